"""Dialects that print with sqlglot's own generator after rewriting the few nodes they spell
differently.

sqlglot's generator may be compiled (the ``sqlglotc`` build, which planbridge installs for
speed), and compiled classes cannot be subclassed by interpreted ones: a dialect here keeps
the base generator and, just before printing, rewrites each node its engine spells
differently into nodes the base generator already prints that way (a function call under
another name, a type under its engine name). One walk over the finished tree, children first.

:func:`sql_text` prints a finished query with one generator per dialect, option set and
thread, reused from query to query instead of built for each one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import sqlglot.expressions as exp
from sqlglot.dialects.dialect import Dialect, DialectType
from sqlglot.helper import name_sequence

Rule = Callable[[Any], exp.Expression]


def respell(tree: exp.Expression, rules: Mapping[type, Rule]) -> exp.Expression:
    """Apply ``rules`` (by exact node class) to every node of ``tree``, in place, children
    before parents (a rule sees its children already rewritten); returns the new root."""
    nodes = list(tree.dfs())
    for node in reversed(nodes):
        rule = rules.get(type(node))
        if rule is None:
            continue
        new = rule(node)
        if new is node:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


class RespellingDialect(Dialect):
    """A dialect whose :attr:`RULES` rewrite the tree before sqlglot's generator prints it."""

    RULES: ClassVar[Mapping[type, Rule]] = {}

    def generate(self, expression: exp.Expression, copy: bool = True, **opts: Any) -> str:
        tree = respell(expression.copy() if copy else expression, self.RULES)
        return super().generate(tree, copy=False, **opts)


_PRINTERS = threading.local()


def sql_text(tree: exp.Expression, dialect: DialectType, pretty: bool = False) -> str:
    """``tree.sql(dialect=dialect, pretty=pretty, copy=False)``: the same text (the tree is
    consumed, as it may be respelled in place), printed by a generator kept per thread.

    Building a sqlglot Generator and looking its dialect up costs about a tenth of printing
    a TPC-H query. A generator keeps no state from one query to the next except its counter
    of made-up aliases (``_t0`` ..), which starts again for every query here."""
    printers = _PRINTERS.__dict__.setdefault("by_dialect", {})
    printer = printers.get((dialect, pretty))
    if printer is None:
        d = Dialect.get_or_raise(dialect)
        printer = printers[(dialect, pretty)] = (d, d.generator(pretty=pretty))
    d, generator = printer
    if isinstance(d, RespellingDialect):
        tree = respell(tree, d.RULES)
    generator._next_name = name_sequence("_t")
    return generator.generate(tree, copy=False)


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
