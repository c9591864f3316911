"""Window aggregations in the column order Flink's planner gives them.

Flink turns ``GROUP BY .., window_start, window_end`` over a windowing TVF into a window
aggregate whose output is the other grouping keys (in input order), the aggregates, then
the window columns (start, end, time). A Substrait aggregate lists its keys first, so a
select in the plan's order costs one ``Calc`` that reorders every row (and blocks nothing
else: the operators around it are the same). Since every relation refers to its input's
columns by name (``c0 ..``), the aggregate's select list can be put in Flink's order
instead; the outermost query selects the plan's columns by name, in the plan's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot.expressions as exp

from planbridge import streaming
from planbridge.consumer import ir
from planbridge.engines.flink.streaming import passed_through

#: Sort rank of a select item: plain grouping keys, aggregates, window start/end/time,
#: then the frame's hidden columns (sort keys ``_o0 ..``), which stay last.
KEY, AGGREGATE, WINDOW, HIDDEN = 0, 1, 2, 3
_VISIBLE = re.compile(r"^c[0-9]+$")


def window_column(rel: ir.Rel, index: int) -> int | None:
    """Which window column (0 start, 1 end, 2 time) output column ``index`` of ``rel`` is,
    traced through watermarks, filters, column picks and window aggregations' keys (where
    Flink keeps them window columns), or None."""
    while True:
        if rel.emit is not None:
            index = rel.emit[index]
        if isinstance(rel, ir.Extension) and streaming.is_streaming(rel.detail):
            d = streaming.decode(rel.detail, rel.path)
            if isinstance(d, streaming.WindowTVF):
                width = len(rel.inputs_[0].schema)
                return index - width if index >= width else None
        if isinstance(rel, ir.Aggregate) and len(rel.grouping_sets) <= 1:
            keys = rel.grouping_expressions
            if index >= len(keys) or not isinstance(keys[index], ir.FieldRef):
                return None
            rel, index = rel.input, keys[index].index  # type: ignore[attr-defined]
            continue
        below = passed_through(rel, index)
        if below is None:
            return None
        rel, index = below


@dataclass
class WindowAggregate:
    """A window aggregation's select and the rank of each grouping key's SQL text."""

    select: exp.Select
    ranks: dict[str, tuple[int, int]]

    def reorder(self, dialect: object) -> None:
        """Put the select items in Flink's window-aggregate output order (stable)."""
        items = list(self.select.expressions)

        def rank(pos: int) -> tuple[int, int, int]:
            e = items[pos]
            if not _VISIBLE.match(e.alias_or_name):
                return HIDDEN, pos, pos
            node = e.this if isinstance(e, exp.Alias) else e
            kind, order = self.ranks.get(node.sql(dialect=dialect), (AGGREGATE, pos))
            return kind, order, pos

        order = sorted(range(len(items)), key=rank)
        self.select.set("expressions", [items[i] for i in order])


def window_aggregate(r: ir.Aggregate, select: exp.Query, dialect: object) -> WindowAggregate | None:
    """The window aggregation ``r`` translated to ``select`` (its keys first), or None when
    ``r`` does not group by both window start and end (Flink aggregates it as usual)."""
    if len(r.grouping_sets) > 1 or not isinstance(select, exp.Select):
        return None
    keys = r.grouping_expressions
    kinds = [window_column(r.input, k.index) if isinstance(k, ir.FieldRef) else None for k in keys]
    if 0 not in kinds or 1 not in kinds:
        return None
    ranks: dict[str, tuple[int, int]] = {}
    for item, key, kind in zip(select.expressions, keys, kinds, strict=False):
        node = item.this if isinstance(item, exp.Alias) else item
        if kind is not None:
            ranks[node.sql(dialect=dialect)] = (WINDOW, kind)
        else:
            ranks[node.sql(dialect=dialect)] = (
                KEY,
                key.index if isinstance(key, ir.FieldRef) else 0,
            )
    return WindowAggregate(select, ranks)
