"""The standard list functions (``functions_list``) beyond ``cardinality``: ``sort`` and
the ones that take a lambda, ``transform``, ``filter``, ``any_match``, ``all_match``, as
DuckDB's list lambdas (engines whose SQL has no lambdas refuse the lambda itself).

``any_match`` / ``all_match`` follow the YAML's three-valued rules (null list: null; no
deciding element but a null predicate result: null; empty list: false / true), which
DuckDB's ``list_bool_or`` / ``list_bool_and`` alone do not (they skip nulls).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.errors import UnsupportedError

Handler = Callable[[Any, ir.Call, list[Any]], exp.Expression]


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _list_and_lambda(args: list[Any]) -> tuple[exp.Expression, exp.Expression]:
    lst, fn = (a for a in args if isinstance(a, exp.Expression))
    return lst, fn


def _transform(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    return _fn("list_transform", *_list_and_lambda(args))


def _filter(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    # list_filter keeps the elements whose predicate is true (false and null drop them)
    return _fn("list_filter", *_list_and_lambda(args))


def _match(decided_by: str) -> Handler:
    """``any_match`` (``decided_by='list_bool_or'``: one true decides) or ``all_match``
    (``'list_bool_and'``: one false decides); else null when a predicate result is null."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        lst, fn = _list_and_lambda(args)
        results = _fn("list_transform", lst, fn)
        decided = _fn(decided_by, results.copy())
        if decided_by == "list_bool_and":
            decided = exp.Not(this=exp.Paren(this=decided))
        undecided = exp.LT(this=_fn("list_count", results.copy()), expression=_fn("len", results))
        outcome = exp.true() if decided_by == "list_bool_or" else exp.false()
        return exp.Case(
            ifs=[
                exp.If(this=exp.Is(this=lst.copy(), expression=exp.Null()), true=exp.null()),
                exp.If(this=decided, true=outcome),
                exp.If(this=undecided, true=exp.null()),
            ],
            default=exp.false() if decided_by == "list_bool_or" else exp.true(),
        )

    return handler


_DIRECTIONS = {
    "ASC_NULLS_FIRST": ("ASC", "NULLS FIRST"),
    "ASC_NULLS_LAST": ("ASC", "NULLS LAST"),
    "DESC_NULLS_FIRST": ("DESC", "NULLS FIRST"),
    "DESC_NULLS_LAST": ("DESC", "NULLS LAST"),
}


def sort_list(sql_name: str) -> Handler:
    """``sort(list) [direction:..]`` as ``sql_name(list, 'ASC'|'DESC', 'NULLS FIRST'|..)``;
    without the option, ascending with nulls last (the SortRel's usual default)."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        (lst,) = (a for a in args if isinstance(a, exp.Expression))
        option = dict(call.options).get("direction", "ASC_NULLS_LAST")
        if option not in _DIRECTIONS:
            raise UnsupportedError(f"sort direction {option!r} is not one of {sorted(_DIRECTIONS)}")
        order, nulls = _DIRECTIONS[option]
        return _fn(sql_name, lst, exp.Literal.string(order), exp.Literal.string(nulls))

    return handler


LIST_FUNCTIONS: dict[str, Handler] = {
    "sort": sort_list("list_sort"),
    "transform": _transform,
    "filter": _filter,
    "any_match": _match("list_bool_or"),
    "all_match": _match("list_bool_and"),
}
