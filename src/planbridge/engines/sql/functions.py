"""The standard Substrait function catalog as SQL, shared by the SQL engines.

One entry per standard function name. A handler gets the translator, the bound call and
the translated arguments (enumeration arguments as plain strings) and returns a sqlglot
expression. Engines override entries whose SQL differs (see ``FUNCTION_OVERRIDES``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.sql.frame import combined
from planbridge.engines.sql.in_lists import fold_equalities, grouped_disjuncts
from planbridge.engines.sql.lists import LIST_FUNCTIONS
from planbridge.engines.sql.types import decimal_type, integer_range, is_integer, sql_type
from planbridge.errors import UnsupportedError

Handler = Callable[[Any, ir.Call, list[Any]], exp.Expression]

RANKING_FUNCTIONS = frozenset(
    {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lead", "lag"}
)


def values(args: list[Any]) -> list[exp.Expression]:
    """The non-enumeration arguments."""
    return [a for a in args if isinstance(a, exp.Expression)]


def enums(args: list[Any]) -> list[str]:
    return [a for a in args if isinstance(a, str)]


def binary(node: type[exp.Expression]) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        a, b = values(args)
        return node(this=a, expression=b)

    return handler


def unary(node: type[exp.Expression]) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        (a,) = values(args)
        return node(this=a)

    return handler


def named(sql_name: str) -> Handler:
    """A function SQL spells ``sql_name(args...)``."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        return exp.Anonymous(this=sql_name, expressions=values(args))

    return handler


def chain(node: type[exp.Expression]) -> Handler:
    """A variadic call folded left into binary nodes (``a || b || c``)."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = values(args)
        out = vals[0]
        for v in vals[1:]:
            out = node(this=out, expression=v)
        return out

    return handler


def _datetime_arith(node: type[exp.Expression]) -> Handler:
    """``+``/``-``, cast to the declared date or timestamp type when a date meets an
    interval (DataFusion keeps a date, DuckDB makes a timestamp)."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        a, b = values(args)
        out: exp.Expression = node(this=a, expression=b)
        kinds = {T.kind(x.type) for x in call.args if isinstance(x, ir.Expr)}
        if "date" in kinds and T.kind(call.type) in ("date", "timestamp", "precision_timestamp"):
            out = exp.Cast(this=out, to=tr.data_type(call.type))
        return out

    return handler


def in_decimal_38(handler: Handler, tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """``handler``'s integer operation on its arguments cast to DECIMAL(38, 0): wide enough
    for any 64-bit sum or difference and any product of up to 32-bit integers, so the exact
    result can be checked against the declared type's range."""
    return handler(tr, call, [exp.Cast(this=v, to=decimal_type(38, 0)) for v in values(args)])


def saturating(handler: Handler) -> Handler:
    """``overflow: SATURATE`` on integers: the exact result (:func:`in_decimal_38`) clamped
    to the declared type's range; other options and types use ``handler`` as it is."""

    def wrapped(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        bounds = integer_range(call.type)
        if call.option("overflow") != "SATURATE" or bounds is None:
            return handler(tr, call, args)
        lo, hi = (decimal_literal(v) for v in bounds)
        exact = exp.Paren(this=in_decimal_38(handler, tr, call, args))
        clamped = exp.Case(
            ifs=[
                exp.If(this=exp.GT(this=exact.copy(), expression=hi.copy()), true=hi),
                exp.If(this=exp.LT(this=exact.copy(), expression=lo.copy()), true=lo),
            ],
            default=exact,
        )
        return exp.Cast(this=clamped, to=tr.data_type(call.type))

    return wrapped


def decimal_literal(v: int) -> exp.Expression:
    """The integer ``v`` as a DECIMAL(38, 0) value (cast from text: an engine may type a
    number literal beyond 64 bits before casting it, as Flink does)."""
    return exp.Cast(this=exp.Literal.string(str(v)), to=decimal_type(38, 0))


def _shift_right_unsigned(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """A logical shift with signed operators only: the arithmetic shift ``x >> n`` with the
    ``n`` sign-extended high bits masked off (mask ``2^(w-n) - 1``, built without
    overflowing as ``((1 << (w-n-1)) - 1) << 1 | 1``); ``n = 0`` is ``x`` itself."""
    x, n = values(args)
    r = integer_range(call.type)
    if r is None or r[0] == 0:
        raise UnsupportedError("shift_right_unsigned of a non-integer type")
    width = r[1].bit_length() + 1  # 2^(w-1) - 1 has w - 1 bits
    to = tr.data_type(call.type)

    def one() -> exp.Expression:
        return exp.Cast(this=exp.Literal.number(1), to=to.copy())

    top = exp.Sub(
        this=exp.Sub(this=exp.Literal.number(width), expression=n.copy()),
        expression=exp.Literal.number(1),
    )
    low = exp.Sub(
        this=exp.Paren(this=exp.BitwiseLeftShift(this=one(), expression=exp.Paren(this=top))),
        expression=one(),
    )
    mask = exp.BitwiseOr(
        this=exp.Paren(
            this=exp.BitwiseLeftShift(this=exp.Paren(this=low), expression=exp.Literal.number(1))
        ),
        expression=one(),
    )
    shifted = exp.BitwiseAnd(
        this=exp.Paren(this=exp.BitwiseRightShift(this=x.copy(), expression=n.copy())),
        expression=exp.Paren(this=mask),
    )
    zero = exp.EQ(this=n, expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=zero, true=x)], default=shifted)


def _modulus(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b = values(args)
    if call.option("on_domain_error") == "NULL":
        b = exp.Nullif(this=b, expression=exp.Literal.number(0))
    return exp.Mod(this=a, expression=b)


def _divide(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b = values(args)
    by_zero = call.option("on_division_by_zero")
    if by_zero == "NULL" or (by_zero == "NAN" and is_integer(call.type)):  # no integer is NaN
        b = exp.Nullif(this=b, expression=exp.Literal.number(0))
    out = T.kind(call.type)
    if is_integer(call.type):
        return tr.integer_divide(a, b)
    if out in ("fp32", "fp64"):
        # Some producers divide integers into a float (Ibis: divide:i32_i32 -> fp64).
        to = tr.data_type(call.type)
        a, b = exp.Cast(this=a, to=to), exp.Cast(this=b, to=to.copy())
    return exp.Div(this=a, expression=b)


def _and(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    return combined(exp.And, vals) if vals else exp.true()


def _or(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    return combined(exp.Or, vals) if vals else exp.false()


def or_as_in_lists(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """``or`` with one value's equalities to constants as one ``IN`` list (see .in_lists).
    It translates its own arguments (``args`` is empty): equalities of one value are
    grouped before their values are translated."""
    disjuncts = grouped_disjuncts(tr, call.args, FUNCTIONS["equal"])
    return _or(tr, call, fold_equalities(disjuncts))


def _and_not(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b = values(args)
    return exp.and_(a, exp.Not(this=b), copy=False)


def _is(value: exp.Expression) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        (a,) = values(args)
        return exp.Is(this=a, expression=value.copy())

    return handler


def _is_not(value: exp.Expression) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        (a,) = values(args)
        return exp.Not(this=exp.Is(this=a, expression=value.copy()))

    return handler


def _between(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    x, lo, hi = values(args)
    return exp.Between(this=x, low=lo, high=hi)


def _null_propagating(sql_name: str) -> Handler:
    """least/greatest: SQL engines skip nulls, Substrait's versions return null."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = values(args)
        any_null = exp.or_(*[exp.Is(this=v.copy(), expression=exp.null()) for v in vals])
        return exp.Case(
            ifs=[exp.If(this=any_null, true=exp.null())],
            default=exp.Anonymous(this=sql_name, expressions=vals),
        )

    return handler


def _like(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b, *escape = values(args)
    esc = escape[0] if escape else None
    if isinstance(esc, exp.Cast) and isinstance(esc.this, exp.Null):
        esc = None  # older DataFusion plans pass a typed NULL for "no escape character"
    if esc is None:
        b = tr.unescaped_like_pattern(b)
    node: exp.Expression = (
        exp.ILike(this=a, expression=b)
        if call.option("case_sensitivity") == "CASE_INSENSITIVE"
        else exp.Like(this=a, expression=b)
    )
    if esc is not None:
        node = exp.Escape(this=node, expression=esc.this if isinstance(esc, exp.Cast) else esc)
    return node


def _substring(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    return exp.Substring(this=vals[0], start=vals[1], length=vals[2] if len(vals) > 2 else None)


def _trim(position: str | None) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = values(args)
        chars = vals[1] if len(vals) > 1 else None
        return exp.Trim(this=vals[0], expression=chars, position=position)

    return handler


def _pad(sql_name: str) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = values(args)
        if len(vals) == 2:
            vals.append(exp.Literal.string(" "))
        vals[1] = as_int(vals[1])
        return exp.Anonymous(this=sql_name, expressions=vals)

    return handler


def _contains(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b = values(args)
    return exp.GT(this=exp.StrPosition(this=a, substr=b), expression=exp.Literal.number(0))


def _strpos(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    a, b = values(args)
    return exp.StrPosition(this=a, substr=b)


def _concat_ws(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """The engines' own ``concat_ws``, which skips null strings as Substrait's function tests
    expect (sqlglot's ``ConcatWs`` node would add a null-propagating CASE for DuckDB)."""
    return exp.Anonymous(this="concat_ws", expressions=values(args))


_EXTRACT_PARTS = {
    "YEAR": "YEAR",
    "ISO_YEAR": "ISOYEAR",
    "US_YEAR": "YEAR",
    "QUARTER": "QUARTER",
    "MONTH": "MONTH",
    "DAY": "DAY",
    "DAY_OF_YEAR": "DOY",
    "MONDAY_DAY_OF_WEEK": "ISODOW",
    "SUNDAY_DAY_OF_WEEK": "DOW",
    "MONDAY_WEEK": "WEEK",
    "SUNDAY_WEEK": "WEEK",
    "ISO_WEEK": "WEEK",
    "US_WEEK": "WEEK",
    "HOUR": "HOUR",
    "MINUTE": "MINUTE",
    "SECOND": "SECOND",
    "MILLISECOND": "MILLISECOND",
    "MICROSECOND": "MICROSECOND",
    "NANOSECOND": "NANOSECOND",
    "PICOSECOND": "PICOSECOND",
    "SUBSECOND": "MICROSECOND",
    "EPOCH": "EPOCH",
}


def _extract(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    parts = enums(args)
    vals = values(args)
    if not parts:
        raise UnsupportedError("extract without a component")
    component = parts[0].upper()
    if component == "UNIX_TIME":  # whole seconds since the epoch, as an i64
        seconds = exp.Floor(this=tr.extract("EPOCH", vals[-1], call))
        return exp.Cast(this=seconds, to=sql_type("BIGINT"))
    part = _EXTRACT_PARTS.get(component)
    if part is None:
        raise UnsupportedError(
            f"extract component {component} is not supported by {tr.engine_name}"
        )
    return tr.extract(part, vals[-1], call)


def _sum0(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (a,) = values(args)
    return exp.Coalesce(this=exp.Sum(this=a), expressions=[exp.Literal.number(0)])


def _count(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    return exp.Count(this=vals[0] if vals else exp.Star())


def _distribution(sample: str, population: str) -> Handler:
    """std_dev/variance: the distribution is an enum argument (current YAMLs) or, in older
    plans, the ``distribution`` option; SAMPLE when neither says."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        given = [e.upper() for e in enums(args)]
        which = given[0] if given else call.option("distribution", "SAMPLE")
        return exp.Anonymous(
            this=population if which == "POPULATION" else sample, expressions=values(args)
        )

    return handler


def as_int(e: exp.Expression) -> exp.Expression:
    """Engines take INTEGER for digit counts and lengths; plans often pass i64."""
    return exp.Cast(this=e, to=sql_type("INT"))


def _round(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    exprs = [a for a in call.args if isinstance(a, ir.Expr)]
    scale = exprs[1] if len(exprs) > 1 else None
    # Older DataFusion plans give no output type and an i64 scale: the value's type decides.
    kind = T.kind(call.type) or (T.kind(exprs[0].type) if exprs else "")
    if kind in ("fp32", "fp64") and (
        scale is None or (isinstance(scale, ir.Literal) and isinstance(scale.value, int))
    ):
        digits = 0 if scale is None else scale.value
        mode = call.option("rounding") or "TIE_AWAY_FROM_ZERO"
        return tr.float_round(vals[0], digits, mode, call)
    if isinstance(scale, ir.Literal) and isinstance(scale.value, int):
        # A literal scale, never a cast: DataFusion types a decimal round by a non-literal
        # scale with the input's scale but scales the values to the requested one.
        return exp.Round(this=vals[0], decimals=exp.Literal.number(scale.value))
    return exp.Round(this=vals[0], decimals=as_int(vals[1]) if len(vals) > 1 else None)


def _factorial(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (n,) = values(args)
    return exp.Cast(
        this=exp.Anonymous(this="factorial", expressions=[as_int(n)]), to=tr.data_type(call.type)
    )


def _date_part(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """DataFusion's ``date_part('year', x)`` as it appears in its older plans."""
    part, value = values(args)
    if not isinstance(part, exp.Literal) or not part.is_string:
        raise UnsupportedError("date_part with a non-literal part")
    return tr.extract(_EXTRACT_PARTS.get(part.this.upper(), part.this.upper()), value, call)


def _logb(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    x, base = values(args)
    return exp.Div(this=exp.Ln(this=x), expression=exp.Ln(this=base))


def _log1p(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    (x,) = values(args)
    return exp.Ln(this=exp.Add(this=exp.Literal.number(1), expression=x))


def _string_agg(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    return exp.GroupConcat(this=vals[0], separator=vals[1] if len(vals) > 1 else None)


def literal_int(call: ir.Call, index: int, default: int) -> int | None:
    """The integer value of argument ``index`` when it is a literal (``default`` if absent)."""
    exprs = [a for a in call.args if isinstance(a, ir.Expr)]
    if index >= len(exprs):
        return default
    a = exprs[index]
    return a.value if isinstance(a, ir.Literal) and isinstance(a.value, int) else None


def _regex_flags(call: ir.Call, *flags: str) -> list[exp.Expression]:
    if call.option("lookaround") == "TRUE":
        raise UnsupportedError(
            f"{call.name} with lookaround: the engines' regular expressions (RE2, Rust regex) "
            "have no lookahead or lookbehind"
        )
    f = "".join(flags) + ("i" if call.option("case_sensitivity") == "CASE_INSENSITIVE" else "")
    return [exp.Literal.string(f)] if f else []


def _regexp_replace(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """``regexp_replace(s, pattern, replacement[, position, occurrence])``: position 1 and
    occurrence 0 (all) or 1 (first) map to the engines' ``regexp_replace`` with flags."""
    vals = values(args)
    position, occurrence = literal_int(call, 3, 1), literal_int(call, 4, 0)
    if position != 1 or occurrence not in (0, 1):
        raise UnsupportedError(
            f"regexp_replace with position {position} and occurrence {occurrence} is not "
            f"supported by {tr.engine_name}"
        )
    flags = _regex_flags(call, "g" if occurrence == 0 else "")
    return exp.Anonymous(this="regexp_replace", expressions=[*vals[:3], *flags])


def _regexp_match_substring(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """The first match (position 1, occurrence 1) of a pattern, or one of its groups."""
    vals = values(args)
    position, occurrence, group = (
        literal_int(call, 2, 1),
        literal_int(call, 3, 1),
        literal_int(call, 4, 0),
    )
    if position != 1 or occurrence != 1 or group is None or _regex_flags(call):
        raise UnsupportedError(
            f"regexp_match_substring at position {position}, occurrence {occurrence} is not "
            f"supported by {tr.engine_name}"
        )
    return tr.regexp_substring(vals[0], vals[1], group)


def _regexp_count_substring(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    vals = values(args)
    if literal_int(call, 2, 1) != 1 or _regex_flags(call):
        raise UnsupportedError(
            f"regexp_count_substring from a position other than 1 is not supported by "
            f"{tr.engine_name}"
        )
    return tr.regexp_count(vals[0], vals[1])


def string_split(sql_name: str) -> Handler:
    """``string_split(s, sep)``: a null separator gives the whole string as the only element
    (the function tests' rule); a null string gives null."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        s, sep = values(args)
        return exp.Case(
            ifs=[
                exp.If(this=exp.Is(this=s.copy(), expression=exp.Null()), true=exp.null()),
                exp.If(
                    this=exp.Is(this=sep.copy(), expression=exp.Null()),
                    true=exp.Array(expressions=[s.copy()]),
                ),
            ],
            default=exp.Anonymous(this=sql_name, expressions=[s, sep]),
        )

    return handler


def _regexp_string_split(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    s, pattern = values(args)[:2]
    return exp.Anonymous(
        this="regexp_split_to_array", expressions=[s, pattern, *_regex_flags(call)]
    )


def _integral_bitwise(node: type[exp.Expression]) -> Handler:
    """Bitwise operators; decimal operands (scale 0) go through the engine's widest integer
    (``bitwise_integer``: BIGINT, DuckDB's 128-bit HUGEINT holds any decimal<38, 0>)."""

    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        vals = values(args)
        if T.kind(call.type) != "decimal":
            return node(this=vals[0], expression=vals[1])
        big = sql_type(tr.bitwise_integer)
        a, b = (exp.Cast(this=v, to=big.copy()) for v in vals)
        return exp.Cast(this=exp.Paren(this=node(this=a, expression=b)), to=tr.data_type(call.type))

    return handler


def _window_value(sql_name: str) -> Handler:
    def handler(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
        return exp.Anonymous(this=sql_name, expressions=values(args))

    return handler


FUNCTIONS: dict[str, Handler] = {
    # arithmetic
    "add": saturating(_datetime_arith(exp.Add)),
    "subtract": saturating(_datetime_arith(exp.Sub)),
    "multiply": saturating(binary(exp.Mul)),
    "divide": saturating(_divide),
    "modulus": _modulus,
    "negate": saturating(unary(exp.Neg)),
    "abs": saturating(unary(exp.Abs)),
    "sign": named("sign"),
    "factorial": _factorial,
    "power": binary(exp.Pow),
    "sqrt": unary(exp.Sqrt),
    "exp": unary(exp.Exp),
    **{
        n: named(n)
        for n in (
            "cos",
            "sin",
            "tan",
            "cosh",
            "sinh",
            "tanh",
            "acos",
            "asin",
            "atan",
            "acosh",
            "asinh",
            "atanh",
            "atan2",
            "radians",
            "degrees",
        )
    },
    "bitwise_and": _integral_bitwise(exp.BitwiseAnd),
    "bitwise_or": _integral_bitwise(exp.BitwiseOr),
    "bitwise_xor": _integral_bitwise(exp.BitwiseXor),
    "bitwise_not": unary(exp.BitwiseNot),
    "shift_left": binary(exp.BitwiseLeftShift),
    "shift_right": binary(exp.BitwiseRightShift),
    "shift_right_unsigned": _shift_right_unsigned,
    # logarithmic and rounding
    "ln": unary(exp.Ln),
    "log10": named("log10"),
    "log2": named("log2"),
    "logb": _logb,
    "log1p": _log1p,
    "ceil": unary(exp.Ceil),
    "floor": unary(exp.Floor),
    "round": _round,
    # boolean
    "and": _and,
    "or": _or,
    "not": unary(exp.Not),
    "xor": binary(exp.NEQ),
    "and_not": _and_not,
    # comparison
    "equal": binary(exp.EQ),
    "not_equal": binary(exp.NEQ),
    "lt": binary(exp.LT),
    "gt": binary(exp.GT),
    "lte": binary(exp.LTE),
    "gte": binary(exp.GTE),
    "between": _between,
    "is_distinct_from": binary(exp.NullSafeNEQ),
    "is_not_distinct_from": binary(exp.NullSafeEQ),
    "is_null": _is(exp.null()),
    "is_not_null": _is_not(exp.null()),
    "is_true": _is(exp.true()),
    "is_not_true": _is_not(exp.true()),
    "is_false": _is(exp.false()),
    "is_not_false": _is_not(exp.false()),
    "is_nan": named("isnan"),
    "is_finite": named("isfinite"),
    "is_infinite": named("isinf"),
    "nullif": binary(exp.Nullif),
    "coalesce": lambda tr, call, args: exp.Coalesce(
        this=values(args)[0], expressions=values(args)[1:]
    ),
    "least": _null_propagating("least"),
    "greatest": _null_propagating("greatest"),
    "least_skip_null": named("least"),
    "greatest_skip_null": named("greatest"),
    # strings
    "concat": chain(exp.DPipe),
    "like": _like,
    "substring": _substring,
    "starts_with": named("starts_with"),
    "ends_with": named("ends_with"),
    "contains": _contains,
    "strpos": _strpos,
    "replace": named("replace"),
    "concat_ws": _concat_ws,
    "repeat": named("repeat"),
    "reverse": named("reverse"),
    "lower": unary(exp.Lower),
    "upper": unary(exp.Upper),
    "char_length": unary(exp.Length),
    "bit_length": named("bit_length"),
    "octet_length": named("octet_length"),
    "ltrim": _trim("LEADING"),
    "rtrim": _trim("TRAILING"),
    "trim": _trim(None),
    "lpad": _pad("lpad"),
    "rpad": _pad("rpad"),
    "left": named("left"),
    "right": named("right"),
    "regexp_replace": _regexp_replace,
    "regexp_string_split": _regexp_string_split,
    "string_split": string_split("string_split"),
    "add_intervals": binary(exp.Add),
    "regexp_match_substring": _regexp_match_substring,
    "regexp_count_substring": _regexp_count_substring,
    # datetime
    "extract": _extract,
    "strftime": named("strftime"),
    # aggregates
    "count": _count,
    "sum": unary(exp.Sum),
    "sum0": _sum0,
    "avg": unary(exp.Avg),
    "min": unary(exp.Min),
    "max": unary(exp.Max),
    "product": named("product"),
    "std_dev": _distribution("stddev_samp", "stddev_pop"),
    "variance": _distribution("var_samp", "var_pop"),
    "corr": named("corr"),
    "mode": named("mode"),
    "median": named("median"),
    "any_value": named("any_value"),
    "bool_and": named("bool_and"),
    "bool_or": named("bool_or"),
    "approx_count_distinct": named("approx_count_distinct"),
    "string_agg": _string_agg,
    # window
    **{
        n: _window_value(n)
        for n in (
            "row_number",
            "rank",
            "dense_rank",
            "percent_rank",
            "cume_dist",
            "ntile",
            "first_value",
            "last_value",
            "nth_value",
            "lead",
            "lag",
        )
    },
    # lists
    "cardinality": named("cardinality"),
}
FUNCTIONS.update(LIST_FUNCTIONS)

#: Handlers that translate their call's arguments themselves (they are given none)
OWN_ARGUMENTS = frozenset({or_as_in_lists})

# Names older DataFusion plans use for standard functions (they declare no extension).
ALIASES = {
    "isnan": "is_nan",
    "character_length": "char_length",
    "btrim": "trim",
    "date_part": "_date_part",
    "mod": "modulus",
    "count_star": "count",
    "stddev": "std_dev",
}
FUNCTIONS["_date_part"] = _date_part
