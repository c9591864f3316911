"""Windowed tables: the result of ``t.window_by(time).tumble/hop/cumulate/session(...)``.

Window aggregation, top-N, deduplication and window joins are standard Substrait on top
of the windowing relation: group by / row_number over the window columns, then a filter.
"""

from __future__ import annotations

from typing import Any

from planbridge.frontend.streaming import first_per, join_keys, name_of, names_of, time_of
from planbridge.frontend.table import Table

_RN = "_pb_row_number"


class WindowedTable(Table):
    """A table with window_start, window_end and window_time; window verbs on top."""

    def _window_keys(self, by: Any) -> list[Any]:
        return [self["window_start"], self["window_end"], *[self[k] for k in names_of(by)]]

    def aggregate(self, *metrics: Any, by: Any = (), **named: Any) -> Table:
        """Window aggregation: one row per window (and key of ``by``)."""
        return self.group_by(*self._window_keys(by)).aggregate(*metrics, **named)

    def top_n(self, n: int, order_by: Any, by: Any = None) -> Table:
        """Window top-N: the first ``n`` rows per window (and key) in ``order_by`` order."""
        from planbridge.frontend.expr import literal
        from planbridge.frontend.window import row_number

        order = order_by if isinstance(order_by, list) else [order_by]
        marked = self.mutate(
            **{_RN: row_number().over(group_by=self._window_keys(by), order_by=order)}
        )
        return marked.filter(marked[_RN] <= literal(n, "int64")).drop(_RN)

    def dedup(self, by: Any = None, keep: str = "first", time: Any = None) -> Table:  # type: ignore[override]
        """Window deduplication: the first (or last) row by time per window and key."""
        time_col = name_of(time) if time is not None else time_of(self)
        return first_per(self, self._window_keys(by), time_col, keep, 1)

    def window_join(self, right: WindowedTable, on: Any = (), how: str = "inner") -> Table:
        """Join two windowed tables on the same windows (and keys)."""
        same = [
            self["window_start"] == right["window_start"],
            self["window_end"] == right["window_end"],
        ]
        return self.join(right, [*same, *join_keys(self, right, on)], how)
