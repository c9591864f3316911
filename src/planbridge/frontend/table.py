"""Tables of the dataframe API: immutable wrappers over substrait-python UnboundPlans.

A :class:`Table` holds ``_unbound`` (``registry -> substrait.plan_pb2.Plan``, built with
``substrait.builders.plan``) and its output ``schema`` (names -> Substrait types), known
eagerly through substrait-python's type inference. Every verb returns a new Table.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait import plan_pb2 as stp
from substrait import type_pb2 as stt
from substrait.builders import extended_expression as eb
from substrait.builders import plan as pb_plan
from substrait.builders.extended_expression import fresh_rel_anchors
from substrait.type_inference import infer_plan_schema, outer_schemas

from planbridge.errors import PlanBuildError
from planbridge.frontend import coerce, scope
from planbridge.frontend.expr import (
    Expr,
    Unbound,
    as_expr,
    check_exprs,
    column,
    input_schema,
    literal,
    unique_names,
)
from planbridge.frontend.sorting import SortKey, sort_keys
from planbridge.frontend.streaming import StreamingVerbs
from planbridge.frontend.types import type_str
from planbridge.plan import Plan
from planbridge.registry import registry

_IDS = itertools.count(1)

JOIN_TYPES = {
    "inner": stalg.JoinRel.JOIN_TYPE_INNER,
    "left": stalg.JoinRel.JOIN_TYPE_LEFT,
    "right": stalg.JoinRel.JOIN_TYPE_RIGHT,
    "outer": stalg.JoinRel.JOIN_TYPE_OUTER,
    "semi": stalg.JoinRel.JOIN_TYPE_LEFT_SEMI,
    "anti": stalg.JoinRel.JOIN_TYPE_LEFT_ANTI,
}
SET_OPS = {
    ("union", True): stalg.SetRel.SET_OP_UNION_DISTINCT,
    ("union", False): stalg.SetRel.SET_OP_UNION_ALL,
    ("intersect", True): stalg.SetRel.SET_OP_INTERSECTION_MULTISET,
    ("intersect", False): stalg.SetRel.SET_OP_INTERSECTION_MULTISET_ALL,
    ("difference", True): stalg.SetRel.SET_OP_MINUS_PRIMARY,
    ("difference", False): stalg.SetRel.SET_OP_MINUS_PRIMARY_ALL,
}


@contextlib.contextmanager
def free_context(free: Sequence[Table]) -> Iterator[None]:
    """Resolve a correlated pipeline alone: its free tables act as the enclosing query."""
    if not free:
        yield
        return
    ns, lineage = input_schema(free)
    t1 = outer_schemas.set((*outer_schemas.get(), ns))
    try:
        with scope.scope(lineage), scope.subquery_scope():
            yield
    finally:
        outer_schemas.reset(t1)


class Table(StreamingVerbs):
    """A relation: a source or the result of verbs applied to one (Ibis-style)."""

    def __init__(
        self,
        unbound: pb_plan.UnboundPlan,
        schema: Mapping[str, stt.Type],
        lineage: Mapping[int, tuple[int | None, ...]] | None = None,
        free: Sequence[Table] = (),
    ) -> None:
        object.__setattr__(self, "_unbound", unbound)
        object.__setattr__(self, "schema", dict(schema))
        object.__setattr__(self, "_tid", next(_IDS))
        lin = dict(lineage or {})
        lin[self._tid] = tuple(range(len(self.schema)))
        object.__setattr__(self, "_lineage", lin)
        object.__setattr__(self, "_free_tables", tuple(free))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") and name not in self.__dict__:
            object.__setattr__(self, name, value)  # private extension state, set once
            return
        raise AttributeError("planbridge tables are immutable; verbs return new tables")

    # -- deriving ----------------------------------------------------------------------
    def _derive(
        self,
        unbound: pb_plan.UnboundPlan,
        lineage: Mapping[int, tuple[int | None, ...]] | None = None,
        free: Sequence[Table] | None = None,
    ) -> Table:
        """A new Table from a new UnboundPlan; its schema is inferred now.

        ``lineage`` says where earlier tables' columns sit in the output; by default
        columns are followed by name.
        """
        free = tuple(self._free_tables if free is None else free)
        schema = infer_schema(unbound, free)
        if lineage is None:
            names = list(schema)
            mapping = {i: names.index(n) for i, n in enumerate(self.schema) if names.count(n) == 1}
            lineage = scope.remapped(self._lineage, mapping)
        return Table(unbound, schema, lineage, free)

    def _with_scope(
        self, build: Any, lineage: Mapping[int, tuple[int | None, ...]] | None = None
    ) -> pb_plan.UnboundPlan:
        """Wrap a builder call so column references resolve against this table."""
        lin = self._lineage if lineage is None else lineage

        def resolve(reg: Any) -> stp.Plan:
            with scope.scope(lin):
                return build(reg)

        return resolve

    def _check(self, exprs: Sequence[Expr], what: str) -> tuple[Table, ...]:
        """Resolve ``exprs`` against this table now; returns the free tables afterwards."""
        return check_exprs([self], self._free_tables, exprs, what)

    # -- columns -----------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Output column names, in order."""
        return list(self.schema)

    def __getattr__(self, name: str) -> Expr:
        if name.startswith("_"):
            raise AttributeError(name)
        schema = self.__dict__.get("schema", {})
        if name in schema:
            return column(self, list(schema).index(name))
        raise AttributeError(f"table has no column {name!r} (columns: {', '.join(schema)})")

    def __getitem__(self, key: str | int) -> Expr:
        if isinstance(key, int):
            if not 0 <= key < len(self.schema):
                raise PlanBuildError(
                    f"column index {key} out of range ({len(self.schema)} columns)"
                )
            return column(self, key)
        if key not in self.schema:
            raise PlanBuildError(f"table has no column {key!r} (columns: {', '.join(self.schema)})")
        return column(self, list(self.schema).index(key))

    def _expr(self, item: Any) -> Expr:
        if isinstance(item, str):
            return self[item]
        return as_expr(item)

    def __repr__(self) -> str:
        cols = ", ".join(f"{n}: {type_str(t)}" for n, t in self.schema.items())
        return f"<planbridge Table [{cols}]>"

    def view(self) -> Table:
        """The same relation under a new identity (for self-joins)."""
        return Table(self._unbound, self.schema, None, self._free_tables)

    # -- projection --------------------------------------------------------------------
    def _named(self, items: Sequence[Any], named: Mapping[str, Any]) -> list[tuple[str, Expr]]:
        out: list[tuple[str, Expr]] = []
        for item in items:
            if isinstance(item, list | tuple):
                out.extend(self._named(item, {}))
                continue
            e = self._expr(item)
            out.append((e.name, e))
        for name, item in named.items():
            out.append((name, self._expr(item)))
        return out

    def _project(self, pairs: Sequence[tuple[str, Expr]], what: str) -> Table:
        if not pairs:
            raise PlanBuildError(f"{what}() needs at least one column")
        unique_names([n for n, _ in pairs], f"{what}()")
        for n, e in pairs:
            if e._agg:
                raise PlanBuildError(
                    f"{what}(): {n} = {e.name} is an aggregate; use group_by(...).aggregate(...)"
                )
        free = self._check([e for _, e in pairs], f"{what}():")
        exprs = [eb.alias(e._unbound, n) for n, e in pairs]
        unbound = self._with_scope(lambda reg: pb_plan.select(self._unbound, exprs)(reg))
        return self._derive(unbound, self._lineage_through([e for _, e in pairs]), free)

    def _lineage_through(self, outputs: Sequence[Expr]) -> dict[int, tuple[int | None, ...]]:
        """Lineage after a projection to ``outputs``: plain columns keep their origin."""
        mapping: dict[int, int] = {}
        for out_pos, e in enumerate(outputs):
            if e._col is not None:
                pos = scope.lookup(self._lineage, *e._col)
                if pos is not None:
                    mapping.setdefault(pos, out_pos)
        return scope.remapped(self._lineage, mapping)

    def select(self, *items: Any, **named: Any) -> Table:
        """Only these columns/expressions (strings name columns; keywords name outputs)."""
        return self._project(self._named(items, named), "select")

    def mutate(self, *items: Any, **named: Any) -> Table:
        """Add (or replace) columns, keeping the others."""
        pairs = self._named(items, named)
        new = dict(pairs)
        keep = [(n, self[n]) for n in self.schema]
        replaced = [(n, new.pop(n) if n in new else e) for n, e in keep]
        return self._project([*replaced, *new.items()], "mutate")

    def drop(self, *names: str) -> Table:
        """All columns except ``names``."""
        missing = [n for n in names if n not in self.schema]
        if missing:
            raise PlanBuildError(f"drop(): no columns {missing} (columns: {self.columns})")
        return self.select(*[n for n in self.schema if n not in names])

    def rename(self, mapping: Mapping[str, str] | None = None, **new_to_old: str) -> Table:
        """Rename columns: ``rename(new="old")`` (Ibis) or ``rename({"old": "new"})``."""
        old_to_new = dict(mapping or {})
        old_to_new.update({old: new for new, old in new_to_old.items()})
        missing = [o for o in old_to_new if o not in self.schema]
        if missing:
            raise PlanBuildError(f"rename(): no columns {missing} (columns: {self.columns})")
        return self._project([(old_to_new.get(n, n), self[n]) for n in self.schema], "rename")

    # -- filtering, sorting, limiting --------------------------------------------------
    def filter(self, *predicates: Any) -> Table:
        """Rows where every predicate holds."""
        preds = [self._expr(p) for p in predicates]
        if not preds:
            raise PlanBuildError("filter() needs at least one predicate")
        for p in preds:
            if p._agg:
                raise PlanBuildError(
                    f"filter(): {p.name} contains an aggregate; aggregate first, then filter"
                )
            if coerce.kind(p.type) != "bool":
                raise PlanBuildError(
                    f"filter(): predicate {p.name} is {type_str(p.type)}, not boolean"
                )
        cond = preds[0]
        for p in preds[1:]:
            cond = cond & p
        free = self._check([cond], "filter():")
        unbound = self._with_scope(lambda reg: pb_plan.filter(self._unbound, cond._unbound)(reg))
        return Table(unbound, self.schema, self._lineage, free)

    def order_by(self, *keys: Any) -> Table:
        """Sort rows; ``pb.desc(col)`` / ``pb.asc(col, nulls_first=True)`` set direction."""
        flat: list[Any] = []
        for k in keys:
            flat.extend(k if isinstance(k, list) else [k])
        sks: list[SortKey] = sort_keys(flat)
        for k in sks:
            k.expr = self._expr(k.expr)
        free = self._check([k.expr for k in sks], "order_by():")
        sorts = [(k.expr._unbound, k.direction) for k in sks]
        unbound = self._with_scope(lambda reg: pb_plan.sort(self._unbound, sorts)(reg))
        return Table(unbound, self.schema, self._lineage, free)

    def limit(self, n: int | None, offset: int = 0) -> Table:
        """At most ``n`` rows (all when None) after skipping ``offset``."""
        if n is not None and (not isinstance(n, int) or n < 0):
            raise PlanBuildError(f"limit({n!r}): give a non-negative integer or None")
        if not isinstance(offset, int) or offset < 0:
            raise PlanBuildError(f"limit(offset={offset!r}): give a non-negative integer")
        off = literal(offset, "int64")._unbound if offset else None
        cnt = literal(n, "int64")._unbound if n is not None else None
        unbound = self._with_scope(lambda reg: pb_plan.fetch(self._unbound, off, cnt)(reg))
        return Table(unbound, self.schema, self._lineage, self._free_tables)

    head = limit

    def distinct(self) -> Table:
        """Rows with duplicates removed."""
        keys = [self[n]._unbound for n in self.schema]
        unbound = self._with_scope(lambda reg: pb_plan.aggregate(self._unbound, keys, [])(reg))
        return self._derive(unbound, self._lineage)

    # -- aggregation -------------------------------------------------------------------
    def group_by(self, *keys: Any, **named: Any) -> GroupedTable:
        """Group rows by keys; follow with ``.aggregate(...)``."""
        return GroupedTable(self, self._named(keys, named))

    def aggregate(self, *metrics: Any, by: Any = (), **named: Any) -> Table:
        """Aggregate metrics, optionally per key (``by=``); no keys means one row."""
        by_items = by if isinstance(by, list | tuple) else [by]
        return GroupedTable(self, self._named(by_items, {})).aggregate(*metrics, **named)

    def count(self) -> Expr:
        """The number of rows, as an aggregate expression (``COUNT(*)``)."""
        from planbridge.frontend.expr import count_star

        return count_star(self)

    # -- joins and set operations ------------------------------------------------------
    def join(
        self,
        right: Table,
        predicates: Any = (),
        how: str = "inner",
        *,
        rname: str = "{name}_right",
    ) -> Table:
        """Join with ``right`` on predicates (Exprs, same-named key strings or (l, r) pairs)."""
        from planbridge.frontend.joins import join

        return join(self, right, predicates, how, rname)

    def cross_join(self, right: Table, *, rname: str = "{name}_right") -> Table:
        """Every pair of rows."""
        return self.join(right, (), "cross", rname=rname)

    def semi_join(self, right: Table, predicates: Any) -> Table:
        """Rows of this table with a match in ``right``."""
        return self.join(right, predicates, "semi")

    def anti_join(self, right: Table, predicates: Any) -> Table:
        """Rows of this table with no match in ``right``."""
        return self.join(right, predicates, "anti")

    def _set(self, op: str, others: Sequence[Table], distinct: bool) -> Table:
        for o in others:
            if not isinstance(o, Table):
                raise PlanBuildError(f"{op}(): expected tables, got {type(o).__name__}")
            mine = [type_str(coerce.with_null(t, True)) for t in self.schema.values()]
            theirs = [type_str(coerce.with_null(t, True)) for t in o.schema.values()]
            if mine != theirs:
                raise PlanBuildError(f"{op}(): column types differ: {mine} vs {theirs}")
        inputs = [self._unbound, *[o._unbound for o in others]]
        unbound = self._with_scope(lambda reg: pb_plan.set(inputs, SET_OPS[(op, distinct)])(reg))
        free = [*self._free_tables, *(f for o in others for f in o._free_tables)]
        return self._derive(unbound, {}, free)

    def union(self, *others: Table, distinct: bool = False) -> Table:
        """Rows of all tables (UNION ALL; ``distinct=True`` for UNION)."""
        return self._set("union", others, distinct)

    def intersect(self, *others: Table, distinct: bool = True) -> Table:
        """Rows in every table (INTERSECT; ``distinct=False`` for INTERSECT ALL)."""
        return self._set("intersect", others, distinct)

    def difference(self, *others: Table, distinct: bool = True) -> Table:
        """Rows not in the others (EXCEPT; ``distinct=False`` for EXCEPT ALL)."""
        return self._set("difference", others, distinct)

    # -- subqueries --------------------------------------------------------------------
    def as_scalar(self) -> Expr:
        """This one-row, one-column table as a scalar subquery expression."""
        from planbridge.frontend.expr import scalar_subquery

        return scalar_subquery(self)

    # -- output ------------------------------------------------------------------------
    def to_substrait(self) -> Plan:
        """The standard Substrait plan of this pipeline."""
        if self._free_tables:
            cols = [", ".join(t.columns) for t in self._free_tables]
            raise PlanBuildError(
                "the pipeline refers to columns of a table it does not read "
                f"({'; '.join(cols)}); use such references only inside exists(), isin() or "
                "a scalar subquery"
            )
        with fresh_rel_anchors():
            try:
                proto = self._unbound(registry())
            except PlanBuildError:
                raise
            except Exception as exc:
                raise PlanBuildError(f"building the plan failed: {exc}") from None
        root = proto.relations[-1].root
        del root.names[:]
        root.names.extend(self.schema)
        return Plan(proto)

    def explain(self) -> str:
        """The plan's relation tree with columns and types."""
        return self.to_substrait().explain()

    def execute(
        self, engine: str = "duckdb", tables: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """Run on an engine (``planbridge.execute``) and return a pyarrow Table."""
        from planbridge.execute import execute

        return execute(self.to_substrait(), engine=engine, tables=tables, **kwargs)

    to_pyarrow = execute


class GroupedTable:
    """A table with grouping keys; ``aggregate`` finishes it."""

    def __init__(self, table: Table, keys: list[tuple[str, Expr]]) -> None:
        self._table = table
        self._keys = keys

    def aggregate(self, *metrics: Any, **named: Any) -> Table:
        """One row per group with the given aggregate metrics."""
        from planbridge.frontend.aggregate import aggregate

        return aggregate(self._table, self._keys, self._table._named(metrics, named))

    agg = aggregate


def infer_schema(unbound: pb_plan.UnboundPlan, free: Sequence[Table] = ()) -> dict[str, stt.Type]:
    """Output names and types of an UnboundPlan (substrait-python's type inference)."""
    try:
        with free_context(free), fresh_rel_anchors():
            plan = unbound(registry())
            ns = infer_plan_schema(plan, registry=registry())
    except PlanBuildError:
        raise
    except Exception as exc:
        raise PlanBuildError(str(exc)) from None
    names = list(ns.names)
    if len(names) != len(ns.struct.types):
        raise PlanBuildError("struct-typed columns are not supported by the dataframe API yet")
    unique_names(names, "the relation")
    return dict(zip(names, ns.struct.types, strict=True))


def unbound_of(item: Table | Expr | Unbound) -> Any:
    """The unbound callable of a Table or Expr."""
    return getattr(item, "_unbound", item)
