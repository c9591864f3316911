"""Sort keys: ``pb.asc(x)`` / ``pb.desc(x, nulls_first=True)`` for ``order_by`` and windows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from substrait import algebra_pb2 as stalg

SD = stalg.SortField.SortDirection


@dataclass
class SortKey:
    """An expression (or column name) with a direction and a null placement."""

    expr: Any
    descending: bool = False
    nulls_first: bool = False

    @property
    def direction(self) -> int:
        """The Substrait SortDirection."""
        if self.descending:
            return (
                SD.SORT_DIRECTION_DESC_NULLS_FIRST
                if self.nulls_first
                else SD.SORT_DIRECTION_DESC_NULLS_LAST
            )
        return (
            SD.SORT_DIRECTION_ASC_NULLS_FIRST
            if self.nulls_first
            else SD.SORT_DIRECTION_ASC_NULLS_LAST
        )


def asc(expr: Any, nulls_first: bool = False) -> SortKey:
    """Ascending order (nulls last unless ``nulls_first``)."""
    return SortKey(expr, False, nulls_first)


def desc(expr: Any, nulls_first: bool = False) -> SortKey:
    """Descending order (nulls last unless ``nulls_first``)."""
    return SortKey(expr, True, nulls_first)


def sort_keys(items: list[Any]) -> list[SortKey]:
    """Normalise order-by items: a SortKey, or anything else meaning ascending."""
    out = []
    for item in items:
        if isinstance(item, SortKey):
            out.append(SortKey(item.expr, item.descending, item.nulls_first))
        else:
            out.append(SortKey(item))
    return out
