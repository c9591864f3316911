"""Disjunctions of equalities with constants as ``IN`` lists.

Producers that have no IN-list expression (Isthmus expands ``x IN ('13', '31', ..)`` into
``x = '13' OR x = '31' OR ..``) leave the engine an OR chain that evaluates ``x`` once per
constant; DataFusion does not fold it back, and runs TPC-H q22 1.5x slower than with the
``IN`` list of the text, which it evaluates once against a hash set. SQL defines ``x IN
(a, b)`` as ``x = a OR x = b``, NULLs included, so folding is exact when the constants have
one type.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from planbridge.engines.sql.frame import holds


def _disjuncts(e: exp.Expression) -> list[exp.Expression]:
    """``e`` split at its top-level ORs (through parentheses)."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Or):
        return _disjuncts(e.this) + _disjuncts(e.expression)
    return [e]


_LEAVES = frozenset({str, bool, int})


def shape(e: object) -> object:
    """A hashable key equal for exactly the trees of equal structure (node types and args),
    which print as equal SQL: cheaper than printing them."""
    if isinstance(e, exp.Expression):
        return (
            type(e),
            tuple(
                [
                    (k, v if type(v) in _LEAVES else shape(v))  # a leaf is its own shape
                    for k, v in e.args.items()
                    if v is not None
                ]
            ),
        )
    if type(e) is list:
        return tuple([shape(x) for x in e])
    return e


def _quoted_name(i: object) -> object:
    """The name of a quoted identifier with no other args, else None."""
    if type(i) is exp.Identifier:
        args = i.args
        if len(args) == 2 and args.get("quoted") is True and type(args.get("this")) is str:
            return args["this"]
    return None


def _value_key(value: exp.Expression) -> object:
    """:func:`shape` of a compared value, None when it holds a subquery (evaluated once per
    disjunct: left alone). A column reference as :func:`.frame.column` builds it (most
    values are) is keyed by its two names without walking it: a triple, which no shape (a
    pair) equals, equal for exactly the columns of equal shape."""
    if type(value) is exp.Column and len(value.args) == 2:
        name, table = _quoted_name(value.args.get("this")), _quoted_name(value.args.get("table"))
        if name is not None and table is not None:
            return ("column", table, name)
    if holds(value, exp.Select):
        return None
    return shape(value)


def _constant_kind(e: exp.Expression) -> object:
    """A key naming the type of a constant operand (``None``: not a plain constant)."""
    if isinstance(e, exp.Literal):
        return "string" if e.is_string else "number"
    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal):
        return ("cast", shape(e.args["to"]), _constant_kind(e.this))
    return None


def _membership(e: exp.Expression) -> tuple[object, exp.Expression, list[exp.Expression]] | None:
    """(key, value, constants) when ``e`` is ``value = constant`` or ``value IN (constants)``."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.EQ):
        value, const = e.this, e.expression
        if _constant_kind(value) is not None:
            value, const = const, value
        consts = [const]
    elif isinstance(e, exp.In) and not e.args.get("query") and e.expressions:
        value, consts = e.this, list(e.expressions)
    else:
        return None
    kinds = {_constant_kind(c) for c in consts}
    if None in kinds or len(kinds) != 1 or _constant_kind(value) is not None:
        return None
    key = _value_key(value)
    if key is None:
        return None
    return (kinds.pop(), key), value, consts


def fold_equalities(disjuncts: list[exp.Expression]) -> list[exp.Expression]:
    """``disjuncts`` with the equalities of one expression to constants of one type merged
    into one ``IN`` list, in place of the first of them; everything else kept in order."""
    flat = [d for e in disjuncts for d in _disjuncts(e)]
    groups: dict[object, list[exp.Expression]] = {}
    parsed = [_membership(d) for d in flat]
    for m in parsed:
        if m is not None:
            groups.setdefault(m[0], []).extend(m[2])
    if all(len(consts) < 2 for consts in groups.values()):
        return disjuncts
    out: list[exp.Expression] = []
    done: set[object] = set()
    for d, m in zip(flat, parsed, strict=True):
        if m is None or len(groups[m[0]]) < 2:
            out.append(d)
        elif m[0] not in done:
            done.add(m[0])
            # operands arrive parenthesised where needed (``wrap``)
            out.append(exp.In(this=m[1], expressions=groups[m[0]]))
    return out
