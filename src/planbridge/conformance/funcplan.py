"""Turn one scalar function test case into a tiny Substrait plan and its expected value.

The plan is ``project(read(virtual table with one row)) -> f(literal, ...)`` with the
project's ``emit`` keeping only the call, so the result is one row and one column.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re

import pyarrow as pa
from substrait import algebra_pb2, plan_pb2, type_pb2
from substrait.extensions import extensions_pb2

from planbridge.conformance.functest import Arg, BodyCall, FuncCase, LambdaSpec
from planbridge.plan import Plan
from planbridge.registry import registry
from planbridge.types import EXACT_DECIMAL

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
    "pt": "pt",
    "ptstz": "ptstz",
    "enum": "req",
    "iyear": "iyear",
    "iday": "iday",
    "list": "list",
    "func": "func",
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


_UNSIGNED_URN = "extension:io.substrait:unsigned_integers"
_UNSIGNED = {"u8": 101, "u16": 102, "u32": 103, "u64": 104}  # user-defined type anchors
_SIG.update({f"u!{n}": f"u!{n}" for n in _UNSIGNED})
_PRECISION = {
    "iday": ("interval_day", type_pb2.Type.IntervalDay),
    "pt": ("precision_time", type_pb2.Type.PrecisionTime),
    "pts": ("precision_timestamp", type_pb2.Type.PrecisionTimestamp),
    "ptstz": ("precision_timestamp_tz", type_pb2.Type.PrecisionTimestampTZ),
}
_LIST = re.compile(r"^list(\??)<(.*)>(\??)$")


def _ptype(text: str) -> type_pb2.Type:
    lst = _LIST.match(text)
    if lst:
        n = NUL if lst[1] or lst[3] else REQ
        return type_pb2.Type(list=type_pb2.Type.List(type=_ptype(lst[2]), nullability=n))
    nullable = "?" in text
    t = text.replace("?", "")
    n = NUL if nullable else REQ
    if t.startswith("u!") and t[2:] in _UNSIGNED:
        ud = type_pb2.Type.UserDefined(type_reference=_UNSIGNED[t[2:]], nullability=n)
        return type_pb2.Type(user_defined=ud)
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
    if base in _PRECISION:  # types with a precision parameter, 6 (microseconds) by default
        field, cls = _PRECISION[base]
        return type_pb2.Type(**{field: cls(precision=params[0] if params else 6, nullability=n)})
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
        # Compared as Arrow's month-day-nano interval, the type both engines return.
        years, months, days, seconds, micros = _duration(v)
        return pa.MonthDayNano([years * 12 + months, days, (seconds * 10**6 + micros) * 1000])
    if base.startswith("u!"):  # ('200')::u!u8: the value as a quoted decimal string
        inner = v[1:-1] if v.startswith("(") and v.endswith(")") else v
        if "," in inner or not inner:  # max(('20','3')::u!u8): a column written as one value
            raise HarnessUnsupported(
                f"user-defined value with {inner.count(',') + 1 if inner else 0} elements {arg.text!r}"
            )
        return None if inner.lower() == "null" else int(_unquote(inner))
    if base == "list":
        return [python_value(_element(arg, item)) for item in arg.items]
    if base == "pt":
        return dt.time.fromisoformat(_unquote(v))
    if base in ("pts", "ptstz"):
        ts = dt.datetime.fromisoformat(_unquote(v).replace(" ", "T"))
        if base == "ptstz" and ts.tzinfo is None:
            ts = ts.replace(tzinfo=dt.UTC)
        return ts
    raise HarnessUnsupported(f"value of type {arg.type!r}")


def _element(arg: Arg, item: str) -> Arg:
    """One element of a list argument as an argument of the list's element type."""
    kind = "nullArg" if item.lower() == "null" else "value"
    return Arg(kind, f"{item}::{arg.element_type}")


def _list_literal(arg: Arg, value: list) -> algebra_pb2.Expression.Literal:
    L = algebra_pb2.Expression.Literal
    if not value:
        return L(empty_list=_ptype(arg.type).list)
    return L(list=L.List(values=[_literal(_element(arg, item)) for item in arg.items]))


def _literal(arg: Arg) -> algebra_pb2.Expression.Literal:
    L = algebra_pb2.Expression.Literal
    t = arg.type
    if not t:
        raise HarnessUnsupported(f"untyped argument {arg.text!r}")
    value = python_value(arg)
    if value is None:
        nt = _ptype(t + "?")
        return L(null=nt)
    base = t.replace("?", "").split("<")[0]
    nullable = _nullable(_ptype(t))
    if base == "list":
        lit = _list_literal(arg, value)  # type: ignore[arg-type]
    elif base.startswith("u!"):
        # The extension's structure representation: a struct of one decimal string.
        lit = L(
            user_defined=L.UserDefined(
                type_reference=_ptype(t).user_defined.type_reference,
                struct=L.Struct(fields=[L(string=str(value))]),
            )
        )
    elif base in ("i8", "i16", "i32", "i64"):
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
        unscaled = int(
            decimal.Decimal(value).scaleb(pt.scale, context=EXACT_DECIMAL).to_integral_value()
        )
        lit = L(
            decimal=L.Decimal(
                value=unscaled.to_bytes(16, "little", signed=True),
                precision=pt.precision,
                scale=pt.scale,
            )
        )
    elif base == "date":
        lit = L(date=(value - _EPOCH).days)
    elif base == "pt":
        prec = _ptype(t).precision_time.precision
        micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 10**6 + value.microsecond
        lit = L(precision_time=L.PrecisionTime(precision=prec, value=micros * 10**prec // 10**6))
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
        years, months, days, seconds, micros = _duration(arg.value)
        if days or seconds or micros:
            raise HarnessUnsupported(f"year-month interval with a day part {arg.text!r}")
        lit = L(interval_year_to_month=L.IntervalYearToMonth(years=years, months=months))
    elif base == "iday":
        years, months, days, seconds, micros = _duration(arg.value)
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


def _unexpressible(a: Arg) -> HarnessUnsupported:
    """Why the harness cannot write argument ``a`` as a Substrait expression."""
    if a.type.startswith("func"):
        return HarnessUnsupported(f"{a.text}: Substrait has no literal of a function type")
    return HarnessUnsupported(f"argument kind {a.kind} ({a.text})")


class _Functions:
    """The functions a plan declares: anchor 1 is the case's function; lambda bodies add
    theirs, each under the first of the file's URNs whose YAML defines it."""

    def __init__(self, case: FuncCase) -> None:
        self.case = case
        self.extra: list[tuple[str, str]] = []  # (urn, compound name), anchors 2, 3, ..

    def anchor(self, name: str, arg_types: list[type_pb2.Type], sig: list[str]) -> int:
        urns = (*self.case.dependencies, self.case.urn)
        urn = next(
            (u for u in urns if registry().lookup_function(u, name, arg_types) is not None), None
        )
        if urn is None:
            raise HarnessUnsupported(f"lambda body function {name} is in none of {urns}")
        key = (urn, f"{name}:{'_'.join(sig)}")
        if key not in self.extra:
            self.extra.append(key)
        return self.extra.index(key) + 2


def _lambda(lam: LambdaSpec, fns: _Functions) -> algebra_pb2.Expression:
    """``(x -> f(x, 2::i32))::func<i32 -> bool>`` as a Substrait lambda expression."""
    params = [_ptype(t) for t in lam.param_types]
    if len(params) != len(lam.params):
        raise HarnessUnsupported(
            f"lambda with {len(lam.params)} parameters and {len(params)} types"
        )
    body = _body_call(lam.body, lam, params, fns, _ptype(lam.return_type))
    e = algebra_pb2.Expression()
    node = getattr(e, "lambda")  # a Python keyword: the field is reached by name
    node.parameters.CopyFrom(type_pb2.Type.Struct(types=params, nullability=REQ))
    node.body.CopyFrom(body)
    return e


def _body_call(
    call: BodyCall,
    lam: LambdaSpec,
    params: list[type_pb2.Type],
    fns: _Functions,
    out_type: type_pb2.Type | None,
) -> algebra_pb2.Expression:
    """One call of a lambda body: parameters become lambda parameter references."""
    E = algebra_pb2.Expression
    args, types, sig = [], [], []
    for a in call.args:
        if isinstance(a, str):
            if a not in lam.params:
                raise HarnessUnsupported(f"{a!r} is not a parameter of the lambda")
            i = lam.params.index(a)
            ref = E.FieldReference(
                direct_reference=E.ReferenceSegment(
                    struct_field=E.ReferenceSegment.StructField(field=i)
                ),
                lambda_parameter_reference=E.FieldReference.LambdaParameterReference(steps_out=0),
            )
            args.append(algebra_pb2.FunctionArgument(value=E(selection=ref)))
            types.append(params[i])
            sig.append(_SIG.get(lam.param_types[i].replace("?", "").split("<")[0], "any"))
        elif isinstance(a, BodyCall):
            raise HarnessUnsupported(f"nested call {a.function} in a lambda body")
        else:
            args.append(algebra_pb2.FunctionArgument(value=E(literal=_literal(a))))
            types.append(_ptype(a.type))
            sig.append(_SIG.get(a.type.replace("?", "").split("<")[0], "any"))
    anchor = fns.anchor(call.function, types, sig)
    fn = E.ScalarFunction(function_reference=anchor, arguments=args)
    if out_type is not None:
        fn.output_type.CopyFrom(out_type)
    return E(scalar_function=fn)


def _nullable(t: type_pb2.Type) -> bool:
    return getattr(t, t.WhichOneof("kind")).nullability == NUL


_OK_KINDS = {
    "listArg",
    "intArg",
    "floatArg",
    "booleanArg",
    "stringArg",
    "decimalArg",
    "dateArg",
    "nullArg",
    "precisionTimestampArg",
    "precisionTimeArg",
    "userDefinedArg",
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
        if (a.kind not in _OK_KINDS or a.type.startswith("func")) and a.lam is None:
            raise _unexpressible(a)
    args = []
    sig = []
    fns = _Functions(case)
    for a in case.args:
        if a.kind == "enumArg":
            args.append(algebra_pb2.FunctionArgument(enum=_unquote(a.value)))
            sig.append("req")
            continue
        if a.lam is not None:
            args.append(algebra_pb2.FunctionArgument(value=_lambda(a.lam, fns)))
            sig.append("func")
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
    return _plan(case.urn, name, algebra_pb2.Rel(project=project), fns.extra)


def _plan(
    urn: str, name: str, rel: algebra_pb2.Rel, extra: list[tuple[str, str]] | None = None
) -> Plan:
    """The plan around ``rel``: function anchor 1 is ``name`` under ``urn``, anchors 2, ..
    the ``extra`` (URN, name) functions of lambda bodies; the unsigned integer types
    (``u!u8`` ...) are declared too, at their fixed anchors."""
    E = extensions_pb2.SimpleExtensionDeclaration
    urns = [urn, _UNSIGNED_URN]
    functions = [(urn, name), *(extra or [])]
    for u, _ in functions:
        if u not in urns:
            urns.append(u)
    decls = [
        E(
            extension_function=E.ExtensionFunction(
                extension_urn_reference=urns.index(u) + 1, function_anchor=i + 1, name=n
            )
        )
        for i, (u, n) in enumerate(functions)
    ]
    decls += [
        E(extension_type=E.ExtensionType(extension_urn_reference=2, type_anchor=a, name=n))
        for n, a in _UNSIGNED.items()
    ]
    return Plan(
        plan_pb2.Plan(
            extension_urns=[
                extensions_pb2.SimpleExtensionURN(extension_urn_anchor=i + 1, urn=u)
                for i, u in enumerate(urns)
            ],
            extensions=decls,
            relations=[plan_pb2.PlanRel(root=algebra_pb2.RelRoot(input=rel, names=["result"]))],
        )
    )


def _column_types(case: FuncCase) -> list[str]:
    """The table's column types (all nullable): from ``DEFINE``, else from the ``colN::type``
    arguments that reference them."""
    assert case.table is not None
    refs = [int(a.value.removeprefix("col")) for a in case.args if a.kind == "columnArg"]
    width = max([len(r) for r in case.table] + [i + 1 for i in refs])  # (()) is no row
    types = list(case.table_types) or [""] * width
    for a in case.args:
        if a.kind == "columnArg":
            i = int(a.value.removeprefix("col"))
            if i >= len(types):
                raise HarnessUnsupported(f"{a.value} is not a column of the table")
            types[i] = types[i] or a.type
    for i, t in enumerate(types):
        base = t.replace("?", "").split("<")[0]
        if base not in _SIG or base == "enum":
            raise HarnessUnsupported(f"column col{i} of type {t or 'unknown'!r}")
    if any(len(r) != len(types) for r in case.table):
        raise HarnessUnsupported("table rows of differing widths")
    return [t.replace("?", "") + "?" for t in types]


def _field(index: int) -> algebra_pb2.Expression:
    return algebra_pb2.Expression(
        selection=algebra_pb2.Expression.FieldReference(
            direct_reference=algebra_pb2.Expression.ReferenceSegment(
                struct_field=algebra_pb2.Expression.ReferenceSegment.StructField(field=index)
            ),
            root_reference=algebra_pb2.Expression.FieldReference.RootReference(),
        )
    )


def build_aggregate_plan(case: FuncCase) -> Plan:
    """``aggregate(read(virtual table)) -> f(colN, literal, ...)`` with no grouping; a
    single-column case is a one-column table."""
    if case.column is not None:
        ctype = case.column_type.replace("?", "") + "?"
        case = FuncCase(
            **{
                **case.__dict__,
                "column": None,
                "table": tuple((v,) for v in case.column),
                "table_types": (ctype,),
                "args": (Arg("columnArg", f"col0::{ctype}"),),
            }
        )
    assert case.table is not None
    types = _column_types(case)
    rows = [
        algebra_pb2.Expression.Nested.Struct(
            fields=[
                algebra_pb2.Expression(
                    literal=_literal(
                        Arg("nullArg" if v.lower() == "null" else "value", f"{v}::{t}")
                    )
                )
                for v, t in zip(row, types, strict=True)
            ]
        )
        for row in case.table
    ]
    read = algebra_pb2.ReadRel(
        base_schema=type_pb2.NamedStruct(
            names=[f"col{i}" for i in range(len(types))],
            struct=type_pb2.Type.Struct(types=[_ptype(t) for t in types], nullability=REQ),
        ),
        virtual_table=algebra_pb2.ReadRel.VirtualTable(expressions=rows),
    )
    args, sig = [], []
    for a in case.args:
        if a.kind == "columnArg":
            args.append(algebra_pb2.FunctionArgument(value=_field(int(a.value[3:]))))
            sig.append(_SIG[a.type.replace("?", "").split("<")[0]])
        elif a.kind == "enumArg":
            args.append(algebra_pb2.FunctionArgument(enum=_unquote(a.value)))
            sig.append("req")
        elif a.kind in _OK_KINDS:
            lit = algebra_pb2.Expression(literal=_literal(a))
            args.append(algebra_pb2.FunctionArgument(value=lit))
            sig.append(_SIG.get(a.type.replace("?", "").split("<")[0], "any"))
        else:
            raise _unexpressible(a)
    data_types = [a.type for a in case.args if a.kind == "columnArg"]
    if case.result is not None:
        out_type = _ptype(case.result.type)
    elif data_types:
        out_type = _ptype(data_types[0].replace("?", "") + "?")
    else:
        raise HarnessUnsupported("no column or result type to declare the output")
    measure = algebra_pb2.AggregateFunction(
        function_reference=1,
        arguments=args,
        output_type=out_type,
        phase=algebra_pb2.AGGREGATION_PHASE_INITIAL_TO_RESULT,
        invocation=algebra_pb2.AggregateFunction.AGGREGATION_INVOCATION_ALL,
        options=[algebra_pb2.FunctionOption(name=k, preference=[v]) for k, v in case.options],
    )
    agg = algebra_pb2.AggregateRel(
        input=algebra_pb2.Rel(read=read),
        measures=[algebra_pb2.AggregateRel.Measure(measure=measure)],
    )
    name = f"{case.function}:{'_'.join(sig)}" if sig else case.function
    return _plan(case.urn, name, algebra_pb2.Rel(aggregate=agg))
