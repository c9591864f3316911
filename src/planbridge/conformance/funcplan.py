"""Turn one scalar function test case into a tiny Substrait plan and its expected value.

The plan is ``project(read(virtual table with one row)) -> f(literal, ...)`` with the
project's ``emit`` keeping only the call, so the result is one row and one column.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

from substrait import algebra_pb2, plan_pb2, type_pb2
from substrait.extensions import extensions_pb2

from planbridge.conformance.functest import Arg, FuncCase
from planbridge.plan import Plan

REQ = type_pb2.Type.NULLABILITY_REQUIRED
NUL = type_pb2.Type.NULLABILITY_NULLABLE
_EPOCH = dt.date(1970, 1, 1)
_SIG = {
    "i8": "i8",
    "i16": "i16",
    "i32": "i32",
    "i64": "i64",
    "fp32": "fp32",
    "fp64": "fp64",
    "bool": "bool",
    "boolean": "bool",
    "str": "str",
    "string": "str",
    "dec": "dec",
    "date": "date",
    "pts": "pts",
    "ptstz": "ptstz",
    "enum": "req",
    "iyear": "iyear",
    "iday": "iday",
}
_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def _duration(text: str) -> tuple[int, int, int, int, int]:
    """An ISO-8601 duration as (years, months, days, seconds, microseconds), signed."""
    m = _DURATION.match(text.strip().strip("'"))
    if not m or text.strip() in ("P", "PT"):
        raise HarnessUnsupported(f"interval {text!r}")
    g = {k: v for k, v in m.groupdict().items() if k != "sign"}
    sign = -1 if m["sign"] else 1
    secs = decimal.Decimal(g["s"] or 0)
    whole = int(secs)
    micros = int((secs - whole) * 1_000_000)
    seconds = int(g["h"] or 0) * 3600 + int(g["mi"] or 0) * 60 + whole
    return tuple(  # type: ignore[return-value]
        sign * x for x in (int(g["y"] or 0), int(g["mo"] or 0), int(g["d"] or 0), seconds, micros)
    )


class HarnessUnsupported(Exception):
    """The harness cannot express this test case as a plan (argument kind or type)."""


def _ptype(text: str) -> type_pb2.Type:
    nullable = "?" in text
    t = text.replace("?", "")
    n = NUL if nullable else REQ
    base = t.split("<")[0]
    params = [int(x) for x in re.findall(r"\d+", t[len(base) :])]
    if base in ("i8", "i16", "i32", "i64", "fp32", "fp64", "date"):
        return type_pb2.Type(
            **{
                base: getattr(type_pb2.Type, base.upper() if base != "date" else "Date")(
                    nullability=n
                )
            }
        )
    if base in ("bool", "boolean"):
        return type_pb2.Type(bool=type_pb2.Type.Boolean(nullability=n))
    if base in ("str", "string"):
        return type_pb2.Type(string=type_pb2.Type.String(nullability=n))
    if base in ("dec", "decimal"):
        p, s = [*params, 38, 0][:2] if params else (38, 0)
        return type_pb2.Type(decimal=type_pb2.Type.Decimal(precision=p, scale=s, nullability=n))
    if base == "iyear":
        return type_pb2.Type(interval_year=type_pb2.Type.IntervalYear(nullability=n))
    if base == "iday":
        return type_pb2.Type(
            interval_day=type_pb2.Type.IntervalDay(
                precision=params[0] if params else 6, nullability=n
            )
        )
    if base == "pts":
        return type_pb2.Type(
            precision_timestamp=type_pb2.Type.PrecisionTimestamp(
                precision=params[0] if params else 6, nullability=n
            )
        )
    if base == "ptstz":
        return type_pb2.Type(
            precision_timestamp_tz=type_pb2.Type.PrecisionTimestampTZ(
                precision=params[0] if params else 6, nullability=n
            )
        )
    raise HarnessUnsupported(f"type {text!r} not expressible by the harness")


def _unquote(v: str) -> str:
    return v[1:-1].replace("''", "'") if len(v) >= 2 and v[0] == v[-1] == "'" else v


def _float(v: str) -> float:
    v = v.lower()
    return {"inf": math.inf, "+inf": math.inf, "-inf": -math.inf, "nan": math.nan}.get(v) or float(
        v
    )


def python_value(arg: Arg) -> object:
    """The Python value a literal argument or result denotes (None for null)."""
    if arg.kind == "nullArg" or arg.value.lower() == "null":
        return None
    base = arg.type.replace("?", "").split("<")[0]
    v = arg.value
    if base in ("i8", "i16", "i32", "i64"):
        return int(v)
    if base in ("fp32", "fp64"):
        return _float(v)
    if base in ("bool", "boolean"):
        return v.lower() == "true"
    if base in ("str", "string"):
        return _unquote(v)
    if base == "dec":
        return decimal.Decimal(v)
    if base == "date":
        return dt.date.fromisoformat(_unquote(v))
    if base in ("iyear", "iday"):
        return _duration(v)
    if base in ("pts", "ptstz"):
        ts = dt.datetime.fromisoformat(_unquote(v).replace(" ", "T"))
        if base == "ptstz" and ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        return ts
    raise HarnessUnsupported(f"value of type {arg.type!r}")


def _literal(arg: Arg) -> algebra_pb2.Expression.Literal:
    L = algebra_pb2.Expression.Literal
    t = arg.type
    if not t:
        raise HarnessUnsupported(f"untyped argument {arg.text!r}")
    value = python_value(arg)
    if value is None:
        nt = _ptype(t + "?")
        return L(null=nt)
    nullable = "?" in t
    base = t.replace("?", "").split("<")[0]
    if base in ("i8", "i16", "i32", "i64"):
        lit = L(**{base: value})
    elif base == "fp32":
        lit = L(fp32=value)
    elif base == "fp64":
        lit = L(fp64=value)
    elif base in ("bool", "boolean"):
        lit = L(boolean=value)
    elif base in ("str", "string"):
        lit = L(string=value)
    elif base == "dec":
        pt = _ptype(t).decimal
        unscaled = int(decimal.Decimal(value).scaleb(pt.scale).to_integral_value())
        lit = L(
            decimal=L.Decimal(
                value=unscaled.to_bytes(16, "little", signed=True),
                precision=pt.precision,
                scale=pt.scale,
            )
        )
    elif base == "date":
        lit = L(date=(value - _EPOCH).days)
    elif base in ("pts", "ptstz"):
        pt = _ptype(t)
        prec = (
            pt.precision_timestamp.precision
            if base == "pts"
            else pt.precision_timestamp_tz.precision
        )
        v = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        micros = (v - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        scaled = micros * 10**prec // 10**6
        pts = L.PrecisionTimestamp(precision=prec, value=scaled)
        lit = L(precision_timestamp=pts) if base == "pts" else L(precision_timestamp_tz=pts)
    elif base == "iyear":
        years, months, days, seconds, micros = value
        if days or seconds or micros:
            raise HarnessUnsupported(f"year-month interval with a day part {arg.text!r}")
        lit = L(interval_year_to_month=L.IntervalYearToMonth(years=years, months=months))
    elif base == "iday":
        years, months, days, seconds, micros = value
        if years or months:
            raise HarnessUnsupported(f"day-second interval with a month part {arg.text!r}")
        prec = _ptype(t).interval_day.precision
        lit = L(
            interval_day_to_second=L.IntervalDayToSecond(
                days=days,
                seconds=seconds,
                subseconds=micros * 10**prec // 10**6,
                precision=prec,
            )
        )
    else:
        raise HarnessUnsupported(f"literal of type {t!r}")
    lit.nullable = nullable
    return lit


_OK_KINDS = {
    "intArg",
    "floatArg",
    "booleanArg",
    "stringArg",
    "decimalArg",
    "dateArg",
    "nullArg",
    "precisionTimestampArg",
    "precisionTimestampTZArg",
    "enumArg",
    "intervalYearArg",
    "intervalDayArg",
}


def build_plan(case: FuncCase) -> Plan:
    """The one-call plan for ``case``; HarnessUnsupported when it cannot be expressed."""
    if case.is_aggregate:
        return build_aggregate_plan(case)
    for a in case.args + ((case.result,) if case.result else ()):
        if a.kind not in _OK_KINDS:
            raise HarnessUnsupported(f"argument kind {a.kind} ({a.text})")
    if case.result is not None and case.result.type.replace("?", "").split("<")[0] in (
        "iyear",
        "iday",
    ):
        raise HarnessUnsupported(f"interval result {case.result.text}")  # not compared yet
    args = []
    sig = []
    for a in case.args:
        if a.kind == "enumArg":
            args.append(algebra_pb2.FunctionArgument(enum=_unquote(a.value)))
            sig.append("req")
            continue
        args.append(algebra_pb2.FunctionArgument(value=algebra_pb2.Expression(literal=_literal(a))))
        base = a.type.replace("?", "").split("<")[0]
        if base not in _SIG:
            raise HarnessUnsupported(f"type {a.type!r}")
        sig.append(_SIG[base])
    if case.result is not None:
        out_type = _ptype(case.result.type)
    else:
        typed = [a for a in case.args if a.kind != "enumArg"]
        if not typed:
            raise HarnessUnsupported("no argument or result type to declare the output")
        out_type = _ptype(typed[0].type)
    # Declare the output nullable when any argument is null (the spec's nullability rules).
    if any(a.kind == "nullArg" or "?" in a.type for a in case.args):
        field = out_type.WhichOneof("kind")
        getattr(out_type, field).nullability = NUL
    name = f"{case.function}:{'_'.join(sig)}" if sig else case.function
    options = [algebra_pb2.FunctionOption(name=k, preference=[v]) for k, v in case.options]
    call = algebra_pb2.Expression(
        scalar_function=algebra_pb2.Expression.ScalarFunction(
            function_reference=1, arguments=args, output_type=out_type, options=options
        )
    )
    dummy = algebra_pb2.Expression.Literal(i32=0)
    read = algebra_pb2.ReadRel(
        base_schema=type_pb2.NamedStruct(
            names=["dummy"],
            struct=type_pb2.Type.Struct(
                types=[type_pb2.Type(i32=type_pb2.Type.I32(nullability=REQ))], nullability=REQ
            ),
        ),
        virtual_table=algebra_pb2.ReadRel.VirtualTable(
            expressions=[
                algebra_pb2.Expression.Nested.Struct(fields=[algebra_pb2.Expression(literal=dummy)])
            ]
        ),
    )
    project = algebra_pb2.ProjectRel(
        common=algebra_pb2.RelCommon(emit=algebra_pb2.RelCommon.Emit(output_mapping=[1])),
        input=algebra_pb2.Rel(read=read),
        expressions=[call],
    )
    proto = plan_pb2.Plan(
        extension_urns=[extensions_pb2.SimpleExtensionURN(extension_urn_anchor=1, urn=case.urn)],
        extensions=[
            extensions_pb2.SimpleExtensionDeclaration(
                extension_function=extensions_pb2.SimpleExtensionDeclaration.ExtensionFunction(
                    extension_urn_reference=1, function_anchor=1, name=name
                )
            )
        ],
        relations=[
            plan_pb2.PlanRel(
                root=algebra_pb2.RelRoot(input=algebra_pb2.Rel(project=project), names=["result"])
            )
        ],
    )
    return Plan(proto)


def _plan(urn: str, name: str, rel: algebra_pb2.Rel) -> Plan:
    return Plan(
        plan_pb2.Plan(
            extension_urns=[extensions_pb2.SimpleExtensionURN(extension_urn_anchor=1, urn=urn)],
            extensions=[
                extensions_pb2.SimpleExtensionDeclaration(
                    extension_function=extensions_pb2.SimpleExtensionDeclaration.ExtensionFunction(
                        extension_urn_reference=1, function_anchor=1, name=name
                    )
                )
            ],
            relations=[plan_pb2.PlanRel(root=algebra_pb2.RelRoot(input=rel, names=["result"]))],
        )
    )


def build_aggregate_plan(case: FuncCase) -> Plan:
    """``aggregate(read(virtual table col0 = values)) -> f(col0)`` with no grouping."""
    assert case.column is not None
    ctype = case.column_type.replace("?", "") + "?"
    base = ctype.replace("?", "").split("<")[0]
    if base not in _SIG or base == "enum":
        raise HarnessUnsupported(f"column type {case.column_type!r}")
    col_type = _ptype(ctype)
    rows = []
    for v in case.column:
        kind = "nullArg" if v.lower() == "null" else "value"
        rows.append(
            algebra_pb2.Expression.Nested.Struct(
                fields=[algebra_pb2.Expression(literal=_literal(Arg(kind, f"{v}::{ctype}")))]
            )
        )
    read = algebra_pb2.ReadRel(
        base_schema=type_pb2.NamedStruct(
            names=["col0"], struct=type_pb2.Type.Struct(types=[col_type], nullability=REQ)
        ),
        virtual_table=algebra_pb2.ReadRel.VirtualTable(expressions=rows),
    )
    if case.result is not None:
        out_type = _ptype(case.result.type)
    else:
        out_type = _ptype(ctype)
    ref = algebra_pb2.Expression(
        selection=algebra_pb2.Expression.FieldReference(
            direct_reference=algebra_pb2.Expression.ReferenceSegment(
                struct_field=algebra_pb2.Expression.ReferenceSegment.StructField(field=0)
            ),
            root_reference=algebra_pb2.Expression.FieldReference.RootReference(),
        )
    )
    measure = algebra_pb2.AggregateFunction(
        function_reference=1,
        arguments=[algebra_pb2.FunctionArgument(value=ref)],
        output_type=out_type,
        phase=algebra_pb2.AGGREGATION_PHASE_INITIAL_TO_RESULT,
        invocation=algebra_pb2.AggregateFunction.AGGREGATION_INVOCATION_ALL,
        options=[algebra_pb2.FunctionOption(name=k, preference=[v]) for k, v in case.options],
    )
    agg = algebra_pb2.AggregateRel(
        input=algebra_pb2.Rel(read=read),
        measures=[algebra_pb2.AggregateRel.Measure(measure=measure)],
    )
    return _plan(case.urn, f"{case.function}:{_SIG[base]}", algebra_pb2.Rel(aggregate=agg))
