"""Expressions of the dataframe API: typed wrappers over substrait-python unbound expressions.

An :class:`Expr` holds ``_unbound`` (a ``(base_schema, registry) -> ExtendedExpression``
callable from ``substrait.builders.extended_expression``), its output ``type`` and ``name``.
It is resolved once when built, against the tables it reads, so a wrong column or an
impossible overload fails right there as a :class:`~planbridge.errors.PlanBuildError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from substrait import algebra_pb2 as stalg
from substrait import type_pb2 as stt
from substrait.builders import extended_expression as eb
from substrait.builders import type as tb
from substrait.builders.extended_expression import fresh_rel_anchors
from substrait.extension_registry import build_scoped
from substrait.extension_registry.function_entry import FunctionType
from substrait.type_inference import infer_expression_type
from substrait.utils import top_level_names

from planbridge.errors import PlanBuildError
from planbridge.frontend import coerce, scope
from planbridge.frontend.functions import DISTINCT, call_unbound, function_kind
from planbridge.frontend.types import named_struct, parse_type, type_str
from planbridge.registry import registry

if TYPE_CHECKING:
    from planbridge.frontend.table import Table

Unbound = Callable[[stt.NamedStruct, Any], Any]
Maker = Callable[[Sequence[Unbound]], Unbound]


class Expr:
    """A typed column expression (Ibis-style); build it from table columns and ``pb.*``."""

    __slots__ = ("_agg", "_args", "_col", "_fn", "_make", "_tables", "_unbound", "name", "type")
    __hash__ = None  # type: ignore[assignment]  # == builds an expression

    def __init__(
        self,
        unbound: Unbound,
        type: stt.Type,
        name: str,
        tables: Sequence[Table] = (),
        *,
        args: Sequence[Expr] = (),
        make: Maker | None = None,
        agg: bool = False,
        fn: tuple[str, tuple[Any, ...], int | None] | None = None,
        col: tuple[int, int] | None = None,
    ) -> None:
        self._unbound = unbound
        self.type = type
        self.name = name
        self._tables = tuple(tables)
        self._args = tuple(args)
        self._make = make
        self._agg = agg
        self._fn = fn
        self._col = col

    # -- construction ------------------------------------------------------------------
    @staticmethod
    def node(
        make: Maker,
        args: Sequence[Expr],
        name: str,
        *,
        agg: bool = False,
        fn: tuple[str, tuple[Any, ...], int | None] | None = None,
        tables: Sequence[Table] = (),
    ) -> Expr:
        """A new expression over ``args``; its type comes from resolving it now."""
        all_tables = _union_tables([*tables, *(t for a in args for t in a._tables)])
        unbound = make([a._unbound for a in args])
        if any(a._agg for a in args) and not (agg or fn):
            typ = _infer_over_aggregates(make, args, all_tables, name)
        else:
            typ = infer_type(unbound, all_tables, name)
        return Expr(
            unbound,
            typ,
            name,
            all_tables,
            args=args,
            make=make,
            agg=agg or any(a._agg for a in args),
            fn=fn,
        )

    def rebuild(self, args: Sequence[Expr]) -> Expr:
        """The same operation over new arguments (used to split aggregates from scalars)."""
        if self._make is None:
            return self
        return Expr.node(self._make, args, self.name, fn=self._fn)

    # -- naming ------------------------------------------------------------------------
    def name_(self, name: str) -> Expr:
        """This expression under output name ``name``."""
        return self.alias(name)

    def alias(self, name: str) -> Expr:
        """This expression under output name ``name`` (Ibis spells it ``.name()``)."""
        if not isinstance(name, str) or not name:
            raise PlanBuildError(f"an output name must be a non-empty string, got {name!r}")
        inner = self

        def _alias_make(us: Sequence[Unbound]) -> Unbound:
            return eb.alias(us[0], name)

        make = _alias_make
        return Expr(
            make([inner._unbound]),
            inner.type,
            name,
            inner._tables,
            args=(inner,),
            make=make,
            agg=inner._agg,
            fn=inner._fn,
            col=inner._col,
        )

    def __repr__(self) -> str:
        return f"<Expr {self.name} : {type_str(self.type)}>"

    def __bool__(self) -> bool:
        raise PlanBuildError(
            f"expression {self.name!r} has no truth value in Python; combine conditions "
            "with & | ~ instead of and/or/not"
        )

    # -- operators ---------------------------------------------------------------------
    def __add__(self, other: Any) -> Expr:
        if coerce.kind(self.type) == "string":
            return call("concat", self, _lit_like(other, self))
        return binary("add", self, other)

    def __radd__(self, other: Any) -> Expr:
        if coerce.kind(self.type) == "string":
            return call("concat", _lit_like(other, self), self)
        return binary("add", other, self)

    def __sub__(self, other: Any) -> Expr:
        return binary("subtract", self, other)

    def __rsub__(self, other: Any) -> Expr:
        return binary("subtract", other, self)

    def __mul__(self, other: Any) -> Expr:
        return binary("multiply", self, other)

    def __rmul__(self, other: Any) -> Expr:
        return binary("multiply", other, self)

    def __truediv__(self, other: Any) -> Expr:
        return binary("divide", self, other)

    def __rtruediv__(self, other: Any) -> Expr:
        return binary("divide", other, self)

    def __mod__(self, other: Any) -> Expr:
        return binary("modulus", self, other)

    def __rmod__(self, other: Any) -> Expr:
        return binary("modulus", other, self)

    def __pow__(self, other: Any) -> Expr:
        return binary("power", self, other)

    def __rpow__(self, other: Any) -> Expr:
        return binary("power", other, self)

    def __neg__(self) -> Expr:
        return call("negate", self)

    def __abs__(self) -> Expr:
        return call("abs", self)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return binary("equal", self, other, compare=True)

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return binary("not_equal", self, other, compare=True)

    def __lt__(self, other: Any) -> Expr:
        return binary("lt", self, other, compare=True)

    def __le__(self, other: Any) -> Expr:
        return binary("lte", self, other, compare=True)

    def __gt__(self, other: Any) -> Expr:
        return binary("gt", self, other, compare=True)

    def __ge__(self, other: Any) -> Expr:
        return binary("gte", self, other, compare=True)

    def __and__(self, other: Any) -> Expr:
        return call("and", self, _lit_like(other, self))

    def __rand__(self, other: Any) -> Expr:
        return call("and", _lit_like(other, self), self)

    def __or__(self, other: Any) -> Expr:
        return call("or", self, _lit_like(other, self))

    def __ror__(self, other: Any) -> Expr:
        return call("or", _lit_like(other, self), self)

    def __xor__(self, other: Any) -> Expr:
        return call("xor", self, _lit_like(other, self))

    def __invert__(self) -> Expr:
        return call("not", self)

    # -- null tests, membership, conditionals --------------------------------------------
    def isnull(self) -> Expr:
        """True where the value is null."""
        return call("is_null", self)

    def notnull(self) -> Expr:
        """True where the value is not null."""
        return call("is_not_null", self)

    is_null = isnull
    is_not_null = notnull

    def isnan(self) -> Expr:
        """True where a floating-point value is NaN."""
        return call("is_nan", self)

    def between(self, low: Any, high: Any) -> Expr:
        """``low <= self <= high`` (inclusive, like SQL)."""
        return (self >= low) & (self <= high)

    def isin(self, values: Any) -> Expr:
        """Membership in a list of values, or in the single column of a table (a subquery)."""
        from planbridge.frontend.table import Table

        if isinstance(values, Table):
            return in_subquery(self, values)
        if isinstance(values, Expr):
            raise PlanBuildError(
                f"isin({values.name}): give a list of values or a one-column table"
            )
        options = [_lit_like(v, self, compare=True) for v in values]
        if not options:
            raise PlanBuildError(f"{self.name}.isin([]): the list of values is empty")
        options = [_cast_to(o, self.type) for o in options]

        def make(us: Sequence[Unbound]) -> Unbound:
            return eb.singular_or_list(us[0], list(us[1:]))

        return Expr.node(make, [self, *options], f"isin({self.name})")

    def notin(self, values: Any) -> Expr:
        """Negation of :meth:`isin`."""
        return ~self.isin(values)

    def ifelse(self, true_value: Any, false_value: Any) -> Expr:
        """``true_value`` where this condition holds, else ``false_value``."""
        return ifelse(self, true_value, false_value)

    def fillna(self, value: Any) -> Expr:
        """``coalesce(self, value)``."""
        return coalesce(self, value)

    def nullif(self, value: Any) -> Expr:
        """Null where the value equals ``value``."""
        return ifelse(self == value, null(self.type), self)

    def cast(self, to: Any) -> Expr:
        """This value as type ``to`` (``"int64"``, ``"decimal(12,2)"``, a pyarrow type...)."""
        target = parse_type(to)
        return _cast_to(self, coerce.with_null(target, coerce.nullable(self.type)), force=True)

    # -- math and rounding -----------------------------------------------------------------
    def abs(self) -> Expr:
        """Absolute value."""
        return call("abs", self)

    def sqrt(self) -> Expr:
        """Square root."""
        return call("sqrt", self)

    def exp(self) -> Expr:
        """e to the power of the value."""
        return call("exp", self)

    def ln(self) -> Expr:
        """Natural logarithm."""
        return call("ln", self)

    def log10(self) -> Expr:
        """Base-10 logarithm."""
        return call("log10", self)

    def log2(self) -> Expr:
        """Base-2 logarithm."""
        return call("log2", self)

    def sign(self) -> Expr:
        """-1, 0 or 1."""
        return call("sign", self)

    def round(self, digits: int = 0) -> Expr:
        """Round half away from zero to ``digits`` decimal places."""
        return call("round", self, literal(digits, "int32"))

    def ceil(self) -> Expr:
        """Smallest integral value not below the value."""
        return call("ceil", self)

    def floor(self) -> Expr:
        """Largest integral value not above the value."""
        return call("floor", self)

    # -- strings ---------------------------------------------------------------------------
    def upper(self) -> Expr:
        """Upper-case."""
        return call("upper", self)

    def lower(self) -> Expr:
        """Lower-case."""
        return call("lower", self)

    def length(self) -> Expr:
        """Number of characters."""
        return call("char_length", self)

    def substr(self, start: int, length: int | None = None) -> Expr:
        """Substring from 0-based ``start`` (Ibis convention) of ``length`` characters."""
        args = [self, literal(start + 1, "int32")]
        if length is not None:
            args.append(literal(length, "int32"))
        else:
            args.append(literal(2**31 - 1, "int32"))
        return call("substring", *args)

    def like(self, pattern: str) -> Expr:
        """SQL LIKE with ``%`` and ``_``."""
        return call("like", self, _lit_like(pattern, self))

    def contains(self, needle: Any) -> Expr:
        """True where the string contains ``needle``."""
        return call("contains", self, _lit_like(needle, self))

    def startswith(self, prefix: Any) -> Expr:
        """True where the string starts with ``prefix``."""
        return call("starts_with", self, _lit_like(prefix, self))

    def endswith(self, suffix: Any) -> Expr:
        """True where the string ends with ``suffix``."""
        return call("ends_with", self, _lit_like(suffix, self))

    def strip(self) -> Expr:
        """Remove leading and trailing spaces."""
        return call("trim", self)

    def lstrip(self) -> Expr:
        """Remove leading spaces."""
        return call("ltrim", self)

    def rstrip(self) -> Expr:
        """Remove trailing spaces."""
        return call("rtrim", self)

    def replace(self, pattern: str, replacement: str) -> Expr:
        """Replace every occurrence of ``pattern``."""
        return call("replace", self, _lit_like(pattern, self), _lit_like(replacement, self))

    def concat(self, *others: Any) -> Expr:
        """String concatenation."""
        return call("concat", self, *[_lit_like(o, self) for o in others])

    def re_extract(self, pattern: str, group: int = 0) -> Expr:
        """The first match of regular expression ``pattern`` (or its capture ``group``; 0 is
        the whole match), null where none (``regexp_match_substring``)."""
        one = literal(1, "int64")
        return call(
            "regexp_match_substring",
            self,
            _lit_like(pattern, self),
            one,
            one,
            literal(group, "int64"),
            name=f"re_extract({self.name})",
        )

    # -- date and time -----------------------------------------------------------------------
    def extract(self, component: str, timezone: str = "UTC") -> Expr:
        """A date/time field: YEAR, QUARTER, MONTH, DAY, HOUR, MINUTE, SECOND, ...

        For a ``timestamp_tz`` the field is read in ``timezone`` (an IANA name).
        """
        comp = component.upper()
        args: list[Any] = [eb.EnumArg(comp)]
        if comp in ("QUARTER", "MONTH", "DAY", "DAY_OF_YEAR") or comp.endswith("WEEK"):
            args.append(eb.EnumArg("ONE"))
        args.append(self)
        if coerce.kind(self.type) == "precision_timestamp_tz":
            args.append(literal(timezone))
        return call("extract", *args, name=f"{comp.lower()}({self.name})")

    def year(self) -> Expr:
        """Calendar year."""
        return self.extract("YEAR")

    def quarter(self) -> Expr:
        """Quarter 1-4."""
        return self.extract("QUARTER")

    def month(self) -> Expr:
        """Month 1-12."""
        return self.extract("MONTH")

    def day(self) -> Expr:
        """Day of the month 1-31."""
        return self.extract("DAY")

    def hour(self) -> Expr:
        """Hour 0-23."""
        return self.extract("HOUR")

    def minute(self) -> Expr:
        """Minute 0-59."""
        return self.extract("MINUTE")

    def second(self) -> Expr:
        """Second 0-59."""
        return self.extract("SECOND")

    def truncate(self, unit: str) -> Expr:
        """Round a timestamp down to a multiple of one ``unit`` (YEAR ... SECOND)."""
        unit = unit.upper()
        if unit in ("YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND"):
            return call(
                "round_calendar",
                self,
                eb.EnumArg("FLOOR"),
                eb.EnumArg(unit),
                eb.EnumArg(unit),
                literal(1, "int64"),
                name=f"truncate({self.name})",
            )
        raise PlanBuildError(f"truncate: unknown unit {unit!r}")

    # -- aggregates ------------------------------------------------------------------------
    def sum(self, where: Expr | None = None) -> Expr:
        """Sum of the values."""
        return aggregate("sum", self, where=where)

    def mean(self, where: Expr | None = None) -> Expr:
        """Average of the values."""
        return aggregate("avg", self, where=where)

    avg = mean

    def min(self, where: Expr | None = None) -> Expr:
        """Smallest value."""
        return aggregate("min", self, where=where)

    def max(self, where: Expr | None = None) -> Expr:
        """Largest value."""
        return aggregate("max", self, where=where)

    def count(self, where: Expr | None = None) -> Expr:
        """Number of non-null values."""
        return aggregate("count", self, where=where)

    def nunique(self, where: Expr | None = None) -> Expr:
        """Number of distinct non-null values (COUNT DISTINCT)."""
        return aggregate("count", self, where=where, distinct=True)

    def std(self, how: str = "sample") -> Expr:
        """Standard deviation (``how`` = sample or population)."""
        return aggregate("std_dev", self, options={"distribution": how.upper()})

    def var(self, how: str = "sample") -> Expr:
        """Variance (``how`` = sample or population)."""
        return aggregate("variance", self, options={"distribution": how.upper()})

    def any_value(self) -> Expr:
        """Any one value of the group."""
        return aggregate("any_value", self)

    def approx_nunique(self) -> Expr:
        """Approximate number of distinct values."""
        return aggregate("approx_count_distinct", self)

    def first(self) -> Expr:
        """First value in the window frame (window functions)."""
        return window_call("first_value", self)

    def last(self) -> Expr:
        """Last value in the window frame (window functions)."""
        return window_call("last_value", self)

    def lag(self, offset: int = 1, default: Any = None) -> Expr:
        """Value ``offset`` rows before, in window order."""
        args = [self, literal(offset, "int32")]
        if default is not None:
            args.append(_cast_to(_lit_like(default, self), self.type))
        return window_call("lag", *args)

    def lead(self, offset: int = 1, default: Any = None) -> Expr:
        """Value ``offset`` rows after, in window order."""
        args = [self, literal(offset, "int32")]
        if default is not None:
            args.append(_cast_to(_lit_like(default, self), self.type))
        return window_call("lead", *args)

    def over(
        self,
        group_by: Any = None,
        order_by: Any = None,
        rows: tuple[int | None, int | None] | None = None,
        range: tuple[Any, Any] | None = None,
    ) -> Expr:
        """This aggregate or window function evaluated over a window of rows."""
        from planbridge.frontend.window import over

        return over(self, group_by=group_by, order_by=order_by, rows=rows, range=range)


# -- helpers -----------------------------------------------------------------------------------
def _union_tables(tables: Sequence[Table]) -> tuple[Table, ...]:
    seen: dict[int, Table] = {}
    for t in tables:
        seen.setdefault(id(t), t)
    return tuple(seen.values())


def input_schema(tables: Sequence[Table]) -> tuple[stt.NamedStruct, dict[int, Any]]:
    """A combined input over ``tables`` (side by side) and its lineage."""
    lineages = []
    names: list[str] = []
    types: list[stt.Type] = []
    for t in tables:
        lineages.append(scope.shifted(t._lineage, len(names)))
        names.extend(t.schema)
        types.extend(t.schema.values())
    ns = tb.named_struct(names, tb.struct(types, nullable=False))
    return ns, scope.merged(*lineages)


def resolve_in(unbound: Unbound, ns: stt.NamedStruct, lineage: Any) -> Any:
    """Resolve an unbound expression against ``ns`` whose columns have ``lineage``."""
    with scope.scope(lineage), fresh_rel_anchors():
        return unbound(ns, registry())


def bound_type(ee: Any, ns: stt.NamedStruct) -> stt.Type:
    """Output type of a resolved ExtendedExpression (a measure's or an expression's)."""
    ref = ee.referred_expr[0]
    if ref.WhichOneof("expr_type") == "measure":
        return ref.measure.output_type
    return infer_expression_type(ref.expression, ns.struct, registry=registry())


def check_exprs(
    inputs: Sequence[Table], free: Sequence[Table], exprs: Sequence[Expr], what: str
) -> tuple[Table, ...]:
    """Resolve ``exprs`` against ``inputs`` side by side, now, for early errors.

    Columns of other tables are correlated references: those tables join ``free`` (the
    tables a subquery takes from its enclosing query), which is returned.
    """
    known = {tid for t in inputs for tid in t._lineage}
    out = list(free)
    for e in exprs:
        for t in e._tables:
            if t._tid not in known and all(t is not f for f in out):
                out.append(t)
    ns, lineage = input_schema([*inputs, *out])
    for e in exprs:
        try:
            bound_type(resolve_in(e._unbound, ns, lineage), ns)
        except PlanBuildError as exc:
            raise PlanBuildError(f"{what} {e.name}: {exc.reason}") from None
        except Exception as exc:  # substrait-python raises plain exceptions
            raise PlanBuildError(f"{what} {e.name}: {exc}") from None
    return tuple(out)


def unique_names(names: Sequence[str], what: str) -> None:
    """Output columns need distinct names."""
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise PlanBuildError(f"{what}: duplicate output column names {dup}")


def infer_type(unbound: Unbound, tables: Sequence[Table], what: str) -> stt.Type:
    """Resolve now against the tables read, for the type and for early errors."""
    ns, lineage = input_schema(tables)
    try:
        return bound_type(resolve_in(unbound, ns, lineage), ns)
    except PlanBuildError as exc:
        raise PlanBuildError(f"in {what}: {exc.reason}") from None
    except Exception as exc:  # substrait-python raises plain exceptions
        raise PlanBuildError(f"in {what}: {exc}") from None


def _infer_over_aggregates(
    make: Maker, args: Sequence[Expr], tables: Sequence[Table], what: str
) -> stt.Type:
    """Type of a scalar over aggregates: aggregates stand in as columns of their type."""
    ns, lineage = input_schema(tables)
    base = len(ns.names)
    stand_ins = [a for a in args if a._agg]
    ns = tb.named_struct(
        [*ns.names, *(f"_agg{i}" for i in range(len(stand_ins)))],
        tb.struct([*ns.struct.types, *(a.type for a in stand_ins)], nullable=False),
    )
    it = iter(range(len(stand_ins)))
    us = [eb.column(base + next(it)) if a._agg else a._unbound for a in args]
    try:
        return bound_type(resolve_in(make(us), ns, lineage), ns)
    except PlanBuildError as exc:
        raise PlanBuildError(f"in {what}: {exc.reason}") from None
    except Exception as exc:
        raise PlanBuildError(f"in {what}: {exc}") from None


def column(table: Table, index: int) -> Expr:
    """Column ``index`` of ``table``."""
    name = list(table.schema)[index]
    tid = table._tid

    def resolve(base_schema: stt.NamedStruct, reg: Any) -> Any:
        pos = scope.lookup(scope.current(), tid, index)
        if pos is not None:
            return eb.column(pos, alias=name)(base_schema, reg)
        outers = scope.outer()
        for steps, lineage in enumerate(reversed(outers), 1):
            pos = scope.lookup(lineage, tid, index)
            if pos is not None:
                return eb.alias(eb.outer_reference(pos, steps), name)(base_schema, reg)
        names = top_level_names(base_schema)
        if names.count(name) == 1:
            return eb.column(names.index(name), alias=name)(base_schema, reg)
        if names.count(name) > 1:
            raise PlanBuildError(
                f"column {name!r} is ambiguous here (it appears {names.count(name)} times); "
                "refer to it through the table it comes from"
            )
        raise PlanBuildError(f"column {name!r} is not in the input (columns: {', '.join(names)})")

    unbound = build_scoped(resolve)
    return Expr(unbound, table.schema[name], name, (table,), col=(tid, index))


def literal(value: Any, type: Any = None) -> Expr:
    """A literal of any Substrait type; the type is inferred from the Python value if omitted."""
    t = parse_type(type) if type is not None else coerce.literal_type(value, None, False)
    return _literal(value, t)


def _literal(value: Any, t: stt.Type) -> Expr:
    v = coerce.literal_value(value, t)
    if v is None:
        t = coerce.with_null(t, True)
    try:
        unbound = eb.literal(v, t, alias=str(value))
        unbound(named_struct({}), registry())
    except PlanBuildError:
        raise
    except Exception as exc:
        raise PlanBuildError(f"literal {value!r} as {type_str(t)}: {exc}") from None
    return Expr(unbound, t, str(value))


def null(type: Any) -> Expr:
    """A typed null."""
    return _literal(None, parse_type(type))


def as_expr(value: Any, peer: Any = None, compare: bool = False) -> Expr:
    """``value`` itself when an Expr, else a literal typed after ``peer``."""
    if isinstance(value, Expr):
        return value
    from planbridge.frontend.table import Table

    if isinstance(value, Table):
        return scalar_subquery(value)
    peer_type = peer.type if isinstance(peer, Expr) else None
    return _literal(value, coerce.literal_type(value, peer_type, compare))


def _lit_like(value: Any, peer: Expr, compare: bool = False) -> Expr:
    return as_expr(value, peer, compare)


def _cast_to(e: Expr, target: stt.Type, force: bool = False) -> Expr:
    """``e`` cast to ``target`` (skipped when it already has that type, unless ``force``)."""
    if not force and coerce.same_type(e.type, target):
        return e

    def make(us: Sequence[Unbound]) -> Unbound:
        return eb.cast(us[0], target, alias=e.name)

    return Expr.node(make, [e], e.name)


def binary(fn: str, left: Any, right: Any, compare: bool = False) -> Expr:
    """A two-operand function with literal typing and numeric unification."""
    a = as_expr(left, right, compare)
    b = as_expr(right, a, compare)
    if coerce.is_numeric(a.type) and coerce.is_numeric(b.type):
        ta, tb_ = coerce.common_numeric(a.type, b.type, compare)
        a, b = _cast_to(a, ta), _cast_to(b, tb_)
    elif compare and {coerce.kind(a.type), coerce.kind(b.type)} == {"date", "precision_timestamp"}:
        target = a.type if coerce.kind(a.type) != "date" else b.type
        a = _cast_to(a, coerce.with_null(target, coerce.nullable(a.type)))
        b = _cast_to(b, coerce.with_null(target, coerce.nullable(b.type)))
    return call(fn, a, b)


def call(fn: str, *args: Any, name: str | None = None) -> Expr:
    """A standard scalar function call resolved through the registry."""
    exprs = [a for a in args if isinstance(a, Expr)]
    label = name or f"{fn}({', '.join(e.name for e in exprs)})"

    def make(us: Sequence[Unbound]) -> Unbound:
        it = iter(us)
        full = [a if isinstance(a, eb.EnumArg) else next(it) for a in args]
        return call_unbound(fn, full)

    if function_kind(fn) is not FunctionType.SCALAR:
        raise PlanBuildError(f"{fn} is not a scalar function")
    return Expr.node(make, exprs, label)


def aggregate(
    fn: str,
    *args: Expr,
    where: Expr | None = None,
    distinct: bool = False,
    options: dict[str, Any] | None = None,
) -> Expr:
    """A standard aggregate function call (a measure for ``aggregate``)."""
    for a in args:
        if a._agg:
            raise PlanBuildError(f"{fn}({a.name}): an aggregate cannot contain another aggregate")
    if where is not None:
        # FILTER (WHERE ...) is expressed as a conditional argument: null rows are skipped.
        args = tuple(ifelse(where, a, null(a.type)) for a in args)
    invocation = DISTINCT if distinct else None
    label = f"{fn}({', '.join(a.name for a in args)})"

    def make(us: Sequence[Unbound]) -> Unbound:
        return call_unbound(
            fn, list(us), kind=FunctionType.AGGREGATE, invocation=invocation, options=options
        )

    return Expr.node(make, list(args), label, agg=True, fn=(fn, tuple(args), invocation))


def count_star(table: Table) -> Expr:
    """``COUNT(*)`` over ``table``'s rows."""

    def make(us: Sequence[Unbound]) -> Unbound:
        return call_unbound("count", [], kind=FunctionType.AGGREGATE)

    return Expr.node(make, [], "count", agg=True, fn=("count", (), None), tables=(table,))


def window_call(fn: str, *args: Expr) -> Expr:
    """A window-only function (row_number, rank, lag...); needs ``.over(...)``."""
    label = f"{fn}({', '.join(a.name for a in args)})"
    tables = _union_tables([t for a in args for t in a._tables])
    ns, lineage = input_schema(tables)
    try:
        with scope.scope(lineage), fresh_rel_anchors():
            ee = call_unbound(fn, [a._unbound for a in args])(ns, registry())
        typ = ee.referred_expr[0].expression.window_function.output_type
    except PlanBuildError as exc:
        raise PlanBuildError(f"in {label}: {exc.reason}") from None
    except Exception as exc:
        raise PlanBuildError(f"in {label}: {exc}") from None

    def unbound(base_schema: stt.NamedStruct, reg: Any) -> Any:
        raise PlanBuildError(f"{label} is a window function: use it with .over(...)")

    return Expr(unbound, typ, label, tables, args=args, fn=(fn, tuple(args), None))


def ifelse(cond: Any, true_value: Any, false_value: Any) -> Expr:
    """``true_value`` where ``cond`` holds, else ``false_value`` (SQL CASE WHEN)."""
    return case().when(cond, true_value).else_(false_value).end()


def coalesce(*values: Any) -> Expr:
    """The first non-null value."""
    exprs = _unify([v for v in values])
    return call("coalesce", *exprs, name=f"coalesce({', '.join(e.name for e in exprs)})")


def _unify(values: Sequence[Any]) -> list[Expr]:
    """Values as expressions of one type (literals typed after the first expression)."""
    peer = next((v for v in values if isinstance(v, Expr)), None)
    exprs = [as_expr(v, peer) for v in values]
    target = exprs[0].type
    for e in exprs[1:]:
        if coerce.is_numeric(target) and coerce.is_numeric(e.type):
            target, _ = coerce.common_numeric(target, e.type, True)
    out = []
    for e in exprs:
        if coerce.is_numeric(target) and coerce.is_numeric(e.type):
            e = _cast_to(e, coerce.with_null(target, coerce.nullable(e.type)))
        elif coerce.kind(e.type) != coerce.kind(target):
            raise PlanBuildError(
                f"{e.name} is {type_str(e.type)} but the other values are {type_str(target)}"
            )
        out.append(e)
    return out


class Case:
    """``pb.case().when(cond, value)...else_(value).end()`` builds SQL's searched CASE."""

    def __init__(self, whens: tuple[tuple[Any, Any], ...] = (), default: Any = None) -> None:
        self._whens = whens
        self._default = default

    def when(self, cond: Any, value: Any) -> Case:
        """Add a branch."""
        return Case((*self._whens, (cond, value)), self._default)

    def else_(self, value: Any) -> Case:
        """The value when no branch matches (null when not given)."""
        return Case(self._whens, value)

    def end(self) -> Expr:
        """The CASE expression."""
        if not self._whens:
            raise PlanBuildError("case() needs at least one when(...)")
        conds = [as_expr(c) for c, _ in self._whens]
        for c in conds:
            if coerce.kind(c.type) != "bool":
                raise PlanBuildError(f"case: condition {c.name} is {type_str(c.type)}, not boolean")
        values = [v for _, v in self._whens]
        has_default = self._default is not None
        unified = _unify([*values, self._default] if has_default else values)
        if not has_default:
            unified.append(null(unified[0].type))
        thens, default = unified[:-1], unified[-1]
        n = len(conds)

        def make(us: Sequence[Unbound]) -> Unbound:
            return eb.if_then(list(zip(us[:n], us[n : 2 * n], strict=True)), us[2 * n])

        label = f"case({', '.join(c.name for c in conds)})"
        return Expr.node(make, [*conds, *thens, default], label)


def case() -> Case:
    """Start a searched CASE: ``pb.case().when(c, v).else_(d).end()``."""
    return Case()


def _subquery_expr(
    table: Table, make_sub: Callable[[Any], Unbound], label: str, extra: Sequence[Expr] = ()
) -> Expr:
    def make(us: Sequence[Unbound]) -> Unbound:
        def resolve(base_schema: stt.NamedStruct, reg: Any) -> Any:
            inner = table._unbound
            with scope.subquery_scope():
                return make_sub(inner, us)(base_schema, reg)

        return build_scoped(resolve)

    return Expr.node(make, list(extra), label, tables=table._free_tables)


def scalar_subquery(table: Table) -> Expr:
    """The single value of a one-row, one-column table."""
    if len(table.schema) != 1:
        raise PlanBuildError(
            f"a scalar subquery needs exactly one column, this table has {list(table.schema)}"
        )
    name = next(iter(table.schema))
    return _subquery_expr(table, lambda inner, us: eb.scalar_subquery(inner, alias=name), name)


def in_subquery(needle: Expr, table: Table) -> Expr:
    """``needle IN (table)`` for a one-column table."""
    if len(table.schema) != 1:
        raise PlanBuildError(
            f"isin(table) needs a one-column table, this table has {list(table.schema)}"
        )
    return _subquery_expr(
        table,
        lambda inner, us: eb.in_predicate([us[0]], inner, alias=f"isin({needle.name})"),
        f"isin({needle.name})",
        [needle],
    )


def exists(table: Table) -> Expr:
    """True when ``table`` (usually correlated with the outer query) has a row."""
    op = stalg.Expression.Subquery.SetPredicate.PREDICATE_OP_EXISTS
    return _subquery_expr(table, lambda inner, us: eb.set_predicate(inner, op), "exists")
