"""Disjunctions of equalities with constants as ``IN`` lists.

Producers that have no IN-list expression (Isthmus expands ``x IN ('13', '31', ..)`` into
``x = '13' OR x = '31' OR ..``) leave the engine an OR chain that evaluates ``x`` once per
constant; DataFusion does not fold it back, and runs TPC-H q22 1.5x slower than with the
``IN`` list of the text, which it evaluates once against a hash set. SQL defines ``x IN
(a, b)`` as ``x = a OR x = b``, NULLs included, so folding is exact when the constants have
one type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.engines.sql.frame import holds, wrap


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


# -- equalities grouped before translation ----------------------------------------------
# Isthmus spells ``substring(c_phone, 1, 2) IN ('13', '31', ..)`` as seven equalities, each
# with its own copy of the compared expression: translating every copy only for
# :func:`fold_equalities` to keep the first and compare the rest cost more than the rest of
# the query. The bound plan's equalities are grouped first, by the compared expression's
# structure, and each group's expression is translated once.

_KEYED_VALUES = (str, int, bool)


def _type_key(t: ir.Type) -> bytes:
    """A Substrait type as a hashable key (types hold no maps: equal types, equal bytes)."""
    return t.SerializeToString()


def ir_key(e: object) -> object:
    """A hashable key equal for bound expressions that translate to equal SQL in one scope
    (field references, simple literals, casts and function calls over them); None for any
    other expression (a subquery, an outer reference ..), which is never grouped."""
    cls = type(e)
    if cls is ir.FieldRef:
        return ("field", e.index)  # type: ignore[attr-defined]
    if cls is ir.Literal:
        v = e.value  # type: ignore[attr-defined]
        if v is not None and type(v) not in _KEYED_VALUES:
            return None
        return ("literal", _type_key(e.type), type(v), v)  # type: ignore[attr-defined]
    if cls is ir.EnumArg:
        return ("enum", e.value)  # type: ignore[attr-defined]
    if cls is ir.Cast:
        inner = ir_key(e.input)  # type: ignore[attr-defined]
        if inner is None:
            return None
        return ("cast", _type_key(e.type), e.failure, inner)  # type: ignore[attr-defined]
    if cls is ir.Call:
        args = tuple([ir_key(a) for a in e.args])  # type: ignore[attr-defined]
        if None in args:
            return None
        c: ir.Call = e  # type: ignore[assignment]
        return ("call", c.name, c.urn, c.signature, c.options, _type_key(c.type), args)
    return None


def _constant_side(tr: Any, e: ir.Expr) -> exp.Expression | None:
    """The SQL of ``e`` when it is a literal or a cast of one that translates to a plain
    constant (see :func:`_constant_kind`), else None."""
    if type(e) is ir.Literal or (type(e) is ir.Cast and type(e.input) is ir.Literal):
        const = wrap(tr.expr(e))
        if _constant_kind(const) is not None:
            return const
    return None


class _Equality:
    """An ``or`` argument that compares a keyed expression with a constant."""

    __slots__ = ("call", "const", "key", "value", "value_first")

    def __init__(
        self, call: ir.Call, value: ir.Expr, key: object, const: exp.Expression, first: bool
    ) -> None:
        self.call, self.value, self.const, self.value_first = call, value, const, first
        self.key = (_constant_kind(const), key)  # as _membership groups them

    def sql(self, tr: Any, value: exp.Expression) -> exp.Expression:
        """The equality itself, as ``or``'s arguments are translated."""
        args = [value, self.const] if self.value_first else [self.const, value]
        return wrap(tr.function_handler(self.call)(tr, self.call, args))


def _equality(tr: Any, e: ir.FunctionArg, equal: object) -> _Equality | None:
    """``e`` as an equality (a call of the handler ``equal``) of a keyed expression and a
    constant, else None."""
    if type(e) is not ir.Call or len(e.args) != 2 or tr.function_handler(e) is not equal:
        return None
    a, b = e.args
    if type(a) is ir.EnumArg or type(b) is ir.EnumArg:
        return None
    const = _constant_side(tr, a)  # the left side first, as _membership reads it
    value, value_first = (b, False) if const is not None else (a, True)
    if const is None:
        const = _constant_side(tr, b)
    key = ir_key(value) if const is not None else None
    return None if key is None else _Equality(e, value, key, const, value_first)


def grouped_disjuncts(
    tr: Any, args: Sequence[ir.FunctionArg], equal: object
) -> list[exp.Expression]:
    """The SQL of ``or``'s arguments, as its handler would get them, except that the
    equalities (calls of the handler ``equal``) of one expression (by :func:`ir_key`) to constants of one type are one
    ``value IN (constants)``, its value translated once, where the first of them was.
    :func:`fold_equalities` then merges what is left as before (the expressions equal
    only as SQL), so the SQL is the same."""
    parsed = [_equality(tr, a, equal) for a in args]
    sizes: dict[object, int] = {}
    for m in parsed:
        if m is not None:
            sizes[m.key] = sizes.get(m.key, 0) + 1
    out: list[exp.Expression] = []
    done: dict[object, bool] = {}  # key -> whether its group became an IN list
    for a, m in zip(args, parsed, strict=True):
        if m is None:
            if type(a) is not ir.EnumArg:
                out.append(wrap(tr.expr(a)))
        elif sizes[m.key] == 1 or done.get(m.key) is False:
            out.append(m.sql(tr, wrap(tr.expr(m.value))))
        elif m.key not in done:
            value = wrap(tr.expr(m.value))
            done[m.key] = _constant_kind(value) is None
            if done[m.key]:
                consts = [x.const for x in parsed if x is not None and x.key == m.key]
                out.append(exp.In(this=value, expressions=consts))
            else:  # a value that is itself a constant: equalities as they are
                out.append(m.sql(tr, value))
    return out
