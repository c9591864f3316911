"""The bound plan: what decoding and binding produce and what every engine translates.

A bound tree is the raw Substrait plan with everything an engine should not have to think
about already resolved: extension anchors and URIs/URNs (functions carry their name and
URN), ``emit`` mappings (kept on each relation, applied by one shared helper), field
references (plain ordinals into a relation's input record, with the type), output types of
every expression, and root names. Nodes are never changed once bound (engines build new
ones with ``dataclasses.replace``); the expression, relation and column classes are plain,
not frozen, dataclasses because a frozen one costs about 2.4 times as much to build and
binding a plan builds a hundred or more. ``path`` on each relation is the plan path used in
error messages (``relations[0].root.input.filter``).

Expressions index the *input record* of the relation that holds them: the input's output
columns for single-input relations, the left columns followed by the right ones for joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any
from typing import Literal as TypingLiteral

from google.protobuf.any_pb2 import Any as AnyProto
from google.protobuf.message import Message
from substrait import type_pb2 as stt

Type = stt.Type


@dataclass
class Column:
    """One output column of a relation: its name (for display) and its Substrait type."""

    name: str
    type: Type


# ======================================================================================
# Expressions
# ======================================================================================
@dataclass(eq=False)
class Expr:
    """Base of bound expressions; ``type`` is the Substrait type of the value."""

    type: Type


@dataclass(eq=False)
class FieldRef(Expr):
    """Column ``index`` of the input record of the enclosing relation."""

    index: int


@dataclass(eq=False)
class OuterRef(Expr):
    """Column ``index`` of the input record ``steps_out`` subquery levels out (correlation)."""

    steps_out: int
    index: int


@dataclass(eq=False)
class StructField(Expr):
    """Field ``index`` of a struct-valued expression."""

    input: Expr
    index: int


@dataclass(eq=False)
class ListElement(Expr):
    """Element ``offset`` (0-based) of a list-valued expression."""

    input: Expr
    offset: int


@dataclass(eq=False)
class MapKey(Expr):
    """The value stored under ``key`` in a map-valued expression."""

    input: Expr
    key: Expr


@dataclass(eq=False)
class Literal(Expr):
    """A constant. ``value`` is a Python value in the canonical form below; None is a typed null.

    Canonical forms: bool, int (all integer widths), float, ``decimal.Decimal``, str,
    bytes, ``datetime.date``, ``datetime.time``, ``datetime.datetime`` (naive for
    timestamp, UTC-aware for timestamp_tz), ``IntervalYearMonth``,
    ``IntervalDaySecond``, ``IntervalCompound``, ``uuid.UUID``, tuple (struct),
    list (list), list of (key, value) tuples (map).
    """

    value: Any


@dataclass(frozen=True)
class IntervalYearMonth:
    years: int = 0
    months: int = 0


@dataclass(frozen=True)
class IntervalDaySecond:
    """Days, seconds and sub-seconds at ``precision`` decimal digits (6 = microseconds)."""

    days: int = 0
    seconds: int = 0
    subseconds: int = 0
    precision: int = 6


@dataclass(frozen=True)
class IntervalCompound:
    year_month: IntervalYearMonth = field(default_factory=IntervalYearMonth)
    day_second: IntervalDaySecond = field(default_factory=IntervalDaySecond)


@dataclass(eq=False)
class EnumArg:
    """An enumeration argument of a function (e.g. the component of ``extract``)."""

    value: str


FunctionArg = Expr | EnumArg


@dataclass(eq=False)
class Call(Expr):
    """A call of a standard (or other extension) scalar function.

    ``name`` is the bare function name (``add``), ``signature`` the compound name as the
    plan declared it when it had one (``add:i64_i64``), ``urn`` the extension it lives in.
    ``options`` maps option names to the chosen value (``overflow`` -> ``ERROR``).
    """

    name: str
    urn: str
    args: tuple[FunctionArg, ...]
    options: tuple[tuple[str, str], ...] = ()
    signature: str = ""

    def option(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.options:
            if key == name:
                return value
        return default


SortDirection = TypingLiteral[
    "asc_nulls_first", "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"
]


@dataclass(eq=False)
class SortField:
    expr: Expr
    direction: SortDirection = "asc_nulls_last"


@dataclass(eq=False)
class AggregateCall(Call):
    """An aggregate function call; ``distinct`` for ``AGGREGATION_INVOCATION_DISTINCT``."""

    distinct: bool = False
    sorts: tuple[SortField, ...] = ()


BoundKind = TypingLiteral["unbounded", "preceding", "current_row", "following"]


@dataclass(frozen=True)
class WindowBound:
    """One end of a window frame; ``offset`` is rows (ROWS) or an Expr in the order type (RANGE)."""

    kind: BoundKind
    offset: int | Expr | None = None


@dataclass(eq=False)
class WindowCall(Call):
    """A window function evaluated per row over ``partition_by`` / ``order_by`` and a frame."""

    partition_by: tuple[Expr, ...] = ()
    order_by: tuple[SortField, ...] = ()
    frame: TypingLiteral["rows", "range", "groups", "unspecified"] = "unspecified"
    lower: WindowBound = WindowBound("unbounded")
    upper: WindowBound = WindowBound("unbounded")
    distinct: bool = False


@dataclass(eq=False)
class Cast(Expr):
    """``failure`` is what happens when the value cannot be converted."""

    input: Expr
    failure: TypingLiteral["unspecified", "return_null", "throw"] = "unspecified"


@dataclass(eq=False)
class IfThen(Expr):
    clauses: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr | None


@dataclass(eq=False)
class Switch(Expr):
    match: Expr
    clauses: tuple[tuple[Literal, Expr], ...]
    otherwise: Expr | None


@dataclass(eq=False)
class SingularOrList(Expr):
    """``value IN (options...)``."""

    value: Expr
    options: tuple[Expr, ...]


@dataclass(eq=False)
class MultiOrList(Expr):
    """``(values...) IN ((options...), ...)``."""

    values: tuple[Expr, ...]
    options: tuple[tuple[Expr, ...], ...]


@dataclass(eq=False)
class MakeStruct(Expr):
    fields: tuple[Expr, ...]


@dataclass(eq=False)
class MakeList(Expr):
    values: tuple[Expr, ...]


@dataclass(eq=False)
class MakeMap(Expr):
    entries: tuple[tuple[Expr, Expr], ...]


@dataclass(eq=False)
class Lambda(Expr):
    """A function value (``func<params -> body type>``), an argument of list functions."""

    params: tuple[Type, ...]
    body: Expr


@dataclass(eq=False)
class LambdaParam(Expr):
    """Parameter ``index`` of the lambda ``steps_out`` lambda boundaries out (0: innermost)."""

    steps_out: int
    index: int


@dataclass(eq=False)
class ScalarSubquery(Expr):
    """The single value of a one-column, at-most-one-row relation."""

    rel: Rel


@dataclass(eq=False)
class InSubquery(Expr):
    """``(needles...) IN (relation)``."""

    needles: tuple[Expr, ...]
    rel: Rel


@dataclass(eq=False)
class SetPredicate(Expr):
    """``EXISTS (relation)`` or ``UNIQUE (relation)``."""

    op: TypingLiteral["exists", "unique"]
    rel: Rel


@dataclass(eq=False)
class SetComparison(Expr):
    """``left <op> ANY|ALL (relation)``; ``op`` is eq/ne/lt/gt/le/ge."""

    left: Expr
    op: TypingLiteral["eq", "ne", "lt", "gt", "le", "ge"]
    reduction: TypingLiteral["any", "all"]
    rel: Rel


# ======================================================================================
# Relations
# ======================================================================================
@dataclass(eq=False)
class Rel:
    """Base of bound relations.

    ``columns`` are the relation's direct output (before ``emit``); ``emit`` picks and
    orders them when the plan gave an output mapping. Use :attr:`schema` for the output.
    ``source`` is the plan message the binder bound it from (relations bound from equal
    messages are equal); a relation built otherwise, or copied with ``replace``, has None.
    """

    path: str
    columns: tuple[Column, ...]
    emit: tuple[int, ...] | None
    source: Message | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def schema(self) -> tuple[Column, ...]:
        """The output columns after ``emit``."""
        if self.emit is None:
            return self.columns
        return tuple(map(self.columns.__getitem__, self.emit))

    def inputs(self) -> tuple[Rel, ...]:
        return ()


# -- reads -----------------------------------------------------------------------------
@dataclass(eq=False)
class Read(Rel):
    """Common part of reads. ``base_schema`` is the declared schema of the source;
    ``projection`` (read-level field mask) picks from it; ``columns`` is the result.
    ``filter`` must be applied; ``best_effort_filter`` may be (it is only a hint)."""

    base_schema: tuple[Column, ...]
    projection: tuple[int, ...] | None
    filter: Expr | None
    best_effort_filter: Expr | None


@dataclass(eq=False)
class NamedTableRead(Read):
    names: tuple[str, ...]


FileFormat = TypingLiteral["parquet", "csv", "arrow", "orc", "dwrf", "text", "json", "unknown"]


@dataclass(frozen=True)
class FileItem:
    """One entry of a local-files read. ``kind`` says how ``uri`` is meant."""

    uri: str
    kind: TypingLiteral["uri_path", "uri_path_glob", "uri_file", "uri_folder"]
    format: FileFormat
    # Delimited-text options: field delimiter, quote, escape, header lines to skip, null text.
    options: tuple[tuple[str, str], ...] = ()
    start: int = 0
    length: int = 0
    partition_index: int = 0


@dataclass(eq=False)
class LocalFilesRead(Read):
    files: tuple[FileItem, ...]


@dataclass(eq=False)
class VirtualTableRead(Read):
    """Inline rows; each row has one expression per base-schema column."""

    rows: tuple[tuple[Expr, ...], ...]


@dataclass(eq=False)
class ExtensionTableRead(Read):
    detail: AnyProto


# -- single-input ----------------------------------------------------------------------
@dataclass(eq=False)
class Filter(Rel):
    input: Rel
    condition: Expr

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


@dataclass(eq=False)
class Project(Rel):
    """Direct output: the input's columns followed by one column per expression."""

    input: Rel
    expressions: tuple[Expr, ...]

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


@dataclass(frozen=True)
class Measure:
    call: AggregateCall
    filter: Expr | None = None


@dataclass(eq=False)
class Aggregate(Rel):
    """Direct output: the distinct grouping expressions (in ``grouping_expressions`` order),
    then one column per measure, then, when there are several grouping sets, an ``i32``
    column with the ordinal of the grouping set that produced the row (Substrait spec)."""

    input: Rel
    grouping_expressions: tuple[Expr, ...]
    grouping_sets: tuple[tuple[int, ...], ...]
    measures: tuple[Measure, ...]
    # False for producers that leave the grouping-set column out (DuckDB, DataFusion, old Isthmus)
    set_column: bool = True

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


@dataclass(eq=False)
class Sort(Rel):
    input: Rel
    sorts: tuple[SortField, ...]

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


@dataclass(eq=False)
class Fetch(Rel):
    """Skip ``offset`` rows then keep ``count`` (None = all). Both are i64 expressions."""

    input: Rel
    offset: Expr | None
    count: Expr | None

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


@dataclass(eq=False)
class Window(Rel):
    """ConsistentPartitionWindowRel: the input's columns followed by one per function."""

    input: Rel
    functions: tuple[WindowCall, ...]
    partition_by: tuple[Expr, ...]
    order_by: tuple[SortField, ...]

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


# -- multi-input -----------------------------------------------------------------------
JoinType = TypingLiteral[
    "inner",
    "outer",
    "left",
    "right",
    "left_semi",
    "left_anti",
    "left_single",
    "left_mark",
    "right_semi",
    "right_anti",
    "right_single",
    "right_mark",
]


@dataclass(eq=False)
class Join(Rel):
    """Direct output per join type: left+right columns (inner/outer/left/right/single),
    left only (left semi/anti), right only (right semi/anti), left + a boolean mark column
    (left mark) or right + mark (right mark)."""

    left: Rel
    right: Rel
    type: JoinType
    condition: Expr | None
    post_join_filter: Expr | None

    def inputs(self) -> tuple[Rel, ...]:
        return (self.left, self.right)


@dataclass(eq=False)
class Cross(Rel):
    left: Rel
    right: Rel

    def inputs(self) -> tuple[Rel, ...]:
        return (self.left, self.right)


SetOpKind = TypingLiteral[
    "minus_primary",
    "minus_primary_all",
    "minus_multiset",
    "intersection_primary",
    "intersection_multiset",
    "intersection_multiset_all",
    "union_distinct",
    "union_all",
]


@dataclass(eq=False)
class SetOp(Rel):
    inputs_: tuple[Rel, ...]
    op: SetOpKind

    def inputs(self) -> tuple[Rel, ...]:
        return self.inputs_


@dataclass(eq=False)
class Shared(Rel):
    """A reference to a shared sub-plan (``ReferenceRel``). ``rel`` is the same object
    wherever the subtree is referenced, so engines can compute it once (a CTE)."""

    ordinal: int
    rel: Rel

    def inputs(self) -> tuple[Rel, ...]:
        return (self.rel,)


@dataclass(eq=False)
class Extension(Rel):
    """An extension relation (leaf, single or multi). Only the streaming package knows the
    layout of planbridge's own details; engines ask it (``planbridge.streaming``)."""

    kind: TypingLiteral["leaf", "single", "multi"]
    detail: AnyProto
    inputs_: tuple[Rel, ...]

    def inputs(self) -> tuple[Rel, ...]:
        return self.inputs_


@dataclass(eq=False)
class Write(Rel):
    """A write to a named table (a sink). ``op`` is insert / delete / update / ctas."""

    input: Rel
    names: tuple[str, ...]
    op: str
    table_schema: tuple[Column, ...]

    def inputs(self) -> tuple[Rel, ...]:
        return (self.input,)


# ======================================================================================
# The plan
# ======================================================================================
@dataclass(eq=False)
class BoundPlan:
    """A plan ready for an engine: the root relation and the user-visible output names.

    ``names`` are the root's names in depth-first order (struct fields included);
    ``output_names`` are just the top-level column names an engine's result should carry.
    """

    root: Rel
    names: tuple[str, ...]
    output_names: tuple[str, ...]
    source: Any = None  # the planbridge.Plan it came from (for explain and errors)


# ======================================================================================
# Traversal
# ======================================================================================
def _nodes(value: Any) -> Iterator[Any]:
    """The IR nodes inside a field value (a node, or nested tuples of nodes)."""
    if isinstance(value, Expr | Rel | Measure | SortField | WindowBound):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _nodes(v)


def walk_rels(rel: Rel) -> Iterator[Rel]:
    """Every relation under ``rel`` (itself included), also those inside subqueries."""
    seen: set[int] = set()
    stack: list[Any] = [rel]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Rel):
            yield node
        for f in fields(node):
            if f.name not in ("type", "path", "columns", "base_schema", "table_schema"):
                stack.extend(_nodes(getattr(node, f.name)))
