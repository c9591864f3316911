"""Dialects that print with sqlglot's own generator, respelling the few nodes they spell
differently as they are printed.

sqlglot's generator may be compiled (the ``sqlglotc`` build, which planbridge installs for
speed), and compiled classes cannot be subclassed by interpreted ones: a dialect here keeps
the base generator and gives it, for each node class its engine spells differently, a
handler that rewrites the node into nodes the base generator already prints that way (a
function call under another name, a type under its engine name) and prints those. No walk
over the tree before printing: the generator visits every node anyway.

:func:`sql_text` prints a finished query with one generator per dialect, option set and
thread, reused from query to query instead of built for each one, and then unlinks the
tree (see :func:`_unlink`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import sqlglot.expressions as exp
from sqlglot.dialects.dialect import Dialect, DialectType
from sqlglot.helper import name_sequence

Rule = Callable[[Any], exp.Expression]


def _respelling(rule: Rule, own: Callable[..., str] | None) -> Callable[..., str]:
    """A generator handler: print what ``rule`` makes of the node; a node the rule keeps
    (or changes in place) is printed by the generator's own handler ``own``."""

    def handler(generator: Any, node: exp.Expression) -> str:
        new = rule(node)
        if new is not node:
            return generator.sql(new)
        if own is not None:
            return own(generator, node)
        if isinstance(node, exp.Func):  # what sqlglot's Generator.sql does without a handler
            return generator.function_fallback_sql(node)
        return generator.property_sql(node)

    return handler


_DISPATCH: dict[type, dict[type, Callable[..., str]]] = {}


class RespellingDialect(Dialect):
    """A dialect whose :attr:`RULES` respell nodes as sqlglot's generator prints them."""

    RULES: ClassVar[Mapping[type, Rule]] = {}

    def generator(self, **opts: Any) -> Any:
        """sqlglot's generator with this dialect's rules among its per-class handlers."""
        generator = super().generator(**opts)
        dispatch = _DISPATCH.get(type(self))
        if dispatch is None:
            base = generator._dispatch
            dispatch = dict(base)
            for cls, rule in self.RULES.items():
                dispatch[cls] = _respelling(rule, base.get(cls))
            _DISPATCH[type(self)] = dispatch
        generator._dispatch = dispatch
        return generator


_PRINTERS = threading.local()


def sql_text(tree: exp.Expression, dialect: DialectType, pretty: bool = False) -> str:
    """``tree.sql(dialect=dialect, pretty=pretty, copy=False)``: the same text (the tree is
    consumed, as it may be respelled in place), printed by a generator kept per thread.

    Building a sqlglot Generator and looking its dialect up costs about a tenth of printing
    a TPC-H query. A generator keeps no state from one query to the next except its counter
    of made-up aliases (``_t0`` ..), which starts again for every query here."""
    printers = _PRINTERS.__dict__.setdefault("by_dialect", {})
    generator = printers.get((dialect, pretty))
    if generator is None:
        d = Dialect.get_or_raise(dialect)
        generator = printers[(dialect, pretty)] = d.generator(pretty=pretty)
    generator._next_name = name_sequence("_t")
    try:
        return generator.generate(tree, copy=False)
    finally:
        _unlink(tree)


def _unlink(tree: exp.Expression) -> None:
    """Clear every node's parent link. A sqlglot tree is a web of cycles (each node holds
    its children, each child its parent), so a printed tree was garbage only the cyclic
    collector could free: it survived into older generations and made collections about
    a third of cold translation time. Unlinked, the tree is freed as soon as it is dropped."""
    stack: list[Any] = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        node.parent = None
        for v in node.args.values():
            if type(v) is list:
                for x in v:
                    if isinstance(x, exp.Expr):
                        push(x)
            elif isinstance(v, exp.Expr):
                if v.is_primitive:  # identifiers, literals: no nodes below (a third faster)
                    v.parent = None
                else:
                    push(v)


def call(name: str, *args: exp.Expression | None) -> exp.Anonymous:
    """``name(args..)``: a plain function call (absent arguments left out)."""
    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def renamed_type(names: Mapping[Any, str]) -> Rule:
    """A rule printing the data types in ``names`` under another name (parameters and
    nested element types kept)."""

    def rule(t: exp.DataType) -> exp.DataType:
        name = names.get(t.this)
        if name is not None:
            t.set("this", exp.DataType.Type.USERDEFINED)
            t.set("kind", name)
        return t

    return rule
