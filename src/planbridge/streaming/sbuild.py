"""Small builders of raw Substrait protobuf for the lowering pass.

The lowering rewrites plans that may come from any producer, so it works on the plan's
protobuf directly: it declares the standard functions it needs in the plan's extensions
and emits relations and expressions that every Substrait consumer knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from substrait import algebra_pb2 as stalg
from substrait import plan_pb2
from substrait import type_pb2 as stt
from substrait.extensions import extensions_pb2 as ste

from planbridge.consumer.functions import FunctionDecl

E = stalg.Expression
REQUIRED = stt.Type.NULLABILITY_REQUIRED
NULLABLE = stt.Type.NULLABILITY_NULLABLE
ARITH = "extension:io.substrait:functions_arithmetic"
CMP = "extension:io.substrait:functions_comparison"
BOOL = "extension:io.substrait:functions_boolean"


def i64(nullable: bool = False) -> stt.Type:
    return stt.Type(i64=stt.Type.I64(nullability=NULLABLE if nullable else REQUIRED))


def boolean(nullable: bool = True) -> stt.Type:
    return stt.Type(bool=stt.Type.Boolean(nullability=NULLABLE if nullable else REQUIRED))


class Functions:
    """Declares standard functions in a plan (reusing existing declarations) by anchor."""

    def __init__(self, plan: plan_pb2.Plan, decls: dict[int, FunctionDecl]) -> None:
        self.plan = plan
        self.decls = decls  # shared with the binding context, kept up to date
        self._urns = {u.urn: u.extension_urn_anchor for u in plan.extension_urns}
        self._funcs: dict[tuple[str, str], int] = {}
        urn_of = {u.extension_urn_anchor: u.urn for u in plan.extension_urns}
        for d in plan.extensions:
            if d.WhichOneof("mapping_type") == "extension_function":
                f = d.extension_function
                key = (urn_of.get(f.extension_urn_reference, ""), f.name)
                self._funcs.setdefault(key, f.function_anchor)

    def ref(self, urn: str, signature: str) -> int:
        key = (urn, signature)
        if key in self._funcs:
            return self._funcs[key]
        if urn not in self._urns:
            anchor = max([0, *self._urns.values()]) + 1
            self.plan.extension_urns.add(extension_urn_anchor=anchor, urn=urn)
            self._urns[urn] = anchor
        anchor = max([0, *self.decls, *self._funcs.values()]) + 1
        self.plan.extensions.add(
            extension_function=ste.SimpleExtensionDeclaration.ExtensionFunction(
                extension_urn_reference=self._urns[urn], function_anchor=anchor, name=signature
            )
        )
        self._funcs[key] = anchor
        self.decls[anchor] = FunctionDecl(signature.split(":", 1)[0], signature, urn)
        return anchor

    # -- expressions ----------------------------------------------------------------
    def call(self, urn: str, signature: str, args: Sequence[E], out: stt.Type) -> E:
        return E(
            scalar_function=E.ScalarFunction(
                function_reference=self.ref(urn, signature),
                arguments=[stalg.FunctionArgument(value=a) for a in args],
                output_type=out,
            )
        )

    def add(self, a: E, b: E) -> E:
        return self.call(ARITH, "add:i64_i64", [a, b], i64(True))

    def sub(self, a: E, b: E) -> E:
        return self.call(ARITH, "subtract:i64_i64", [a, b], i64(True))

    def mul(self, a: E, b: E) -> E:
        return self.call(ARITH, "multiply:i64_i64", [a, b], i64(True))

    def mod(self, a: E, b: E) -> E:
        return self.call(ARITH, "modulus:i64_i64", [a, b], i64(True))

    def floor_mod(self, a: E, m: int) -> E:
        """``a`` mod ``m`` in [0, m) whatever the engine's sign convention for ``%``."""
        return self.mod(self.add(self.mod(a, lit(m)), lit(m)), lit(m))

    def millis_floor(self, x: E, precision: int) -> E:
        """``x`` (units of ``precision``) rounded down to whole milliseconds: Flink's time
        attributes are milliseconds, so sessions merge and start on the millisecond."""
        if precision <= 3:
            return x
        return self.sub(x, self.floor_mod(x, 10 ** (precision - 3)))

    def cmp(self, name: str, a: E, b: E) -> E:
        return self.call(CMP, f"{name}:any_any", [a, b], boolean())

    def is_null(self, a: E) -> E:
        return self.call(CMP, "is_null:any", [a], boolean(False))

    def is_not_null(self, a: E) -> E:
        return self.call(CMP, "is_not_null:any", [a], boolean(False))

    def and_(self, *args: E) -> E:
        return args[0] if len(args) == 1 else self.call(BOOL, "and:bool", list(args), boolean())

    def or_(self, *args: E) -> E:
        return args[0] if len(args) == 1 else self.call(BOOL, "or:bool", list(args), boolean())

    def window(
        self,
        urn: str,
        signature: str,
        args: Sequence[E],
        out: stt.Type,
        partitions: Iterable[E] = (),
        order: Iterable[E] = (),
        frame: str = "rows",
        lower: E.WindowFunction.Bound | None = None,
        upper: E.WindowFunction.Bound | None = None,
    ) -> E:
        """A window function call; bounds default to unbounded preceding .. current row."""
        bounds = {
            "rows": E.WindowFunction.BOUNDS_TYPE_ROWS,
            "range": E.WindowFunction.BOUNDS_TYPE_RANGE,
        }[frame]
        return E(
            window_function=E.WindowFunction(
                function_reference=self.ref(urn, signature),
                arguments=[stalg.FunctionArgument(value=a) for a in args],
                output_type=out,
                partitions=list(partitions),
                sorts=[
                    stalg.SortField(
                        expr=o, direction=stalg.SortField.SORT_DIRECTION_ASC_NULLS_FIRST
                    )
                    for o in order
                ],
                phase=stalg.AGGREGATION_PHASE_INITIAL_TO_RESULT,
                invocation=stalg.AggregateFunction.AGGREGATION_INVOCATION_ALL,
                bounds_type=bounds,
                lower_bound=lower or unbounded_preceding(),
                upper_bound=upper or current_row(),
            )
        )


def field(i: int) -> E:
    return E(
        selection=E.FieldReference(
            direct_reference=E.ReferenceSegment(
                struct_field=E.ReferenceSegment.StructField(field=i)
            ),
            root_reference=E.FieldReference.RootReference(),
        )
    )


def lit(v: int) -> E:
    return E(literal=E.Literal(i64=v))


def cast(e: E, t: stt.Type) -> E:
    return E(cast=E.Cast(type=t, input=e, failure_behavior=E.Cast.FAILURE_BEHAVIOR_THROW_EXCEPTION))


def if_then(cond: E, then: E, otherwise: E) -> E:
    return E(
        if_then=E.IfThen(
            ifs=[E.IfThen.IfClause(**{"if": cond, "then": then})], **{"else": otherwise}
        )
    )


def unbounded_preceding() -> E.WindowFunction.Bound:
    return E.WindowFunction.Bound(unbounded=E.WindowFunction.Bound.Unbounded())


def current_row() -> E.WindowFunction.Bound:
    return E.WindowFunction.Bound(current_row=E.WindowFunction.Bound.CurrentRow())


def unbounded_following() -> E.WindowFunction.Bound:
    return E.WindowFunction.Bound(unbounded=E.WindowFunction.Bound.Unbounded())


def preceding(n: int) -> E.WindowFunction.Bound:
    return E.WindowFunction.Bound(preceding=E.WindowFunction.Bound.Preceding(offset=n))


# -- relations ------------------------------------------------------------------------
def _common(emit: Sequence[int] | None) -> stalg.RelCommon:
    if emit is None:
        return stalg.RelCommon(direct=stalg.RelCommon.Direct())
    return stalg.RelCommon(emit=stalg.RelCommon.Emit(output_mapping=list(emit)))


def project(rel: stalg.Rel, exprs: Sequence[E], emit: Sequence[int] | None = None) -> stalg.Rel:
    return stalg.Rel(
        project=stalg.ProjectRel(common=_common(emit), input=rel, expressions=list(exprs))
    )


def filter_(rel: stalg.Rel, cond: E) -> stalg.Rel:
    return stalg.Rel(filter=stalg.FilterRel(common=_common(None), input=rel, condition=cond))


def cross(left: stalg.Rel, right: stalg.Rel) -> stalg.Rel:
    return stalg.Rel(cross=stalg.CrossRel(common=_common(None), left=left, right=right))


def join(
    left: stalg.Rel, right: stalg.Rel, cond: E, kind: str, emit: Sequence[int] | None
) -> stalg.Rel:
    jt = {"inner": stalg.JoinRel.JOIN_TYPE_INNER, "left": stalg.JoinRel.JOIN_TYPE_LEFT}[kind]
    return stalg.Rel(
        join=stalg.JoinRel(common=_common(emit), left=left, right=right, expression=cond, type=jt)
    )


def int_table(name: str, values: Sequence[int]) -> stalg.Rel:
    """A one-column (i64, not null) virtual table holding ``values``."""
    schema = stt.NamedStruct(
        names=[name], struct=stt.Type.Struct(types=[i64()], nullability=REQUIRED)
    )
    rows = [E.Nested.Struct(fields=[lit(v)]) for v in values]
    return stalg.Rel(
        read=stalg.ReadRel(
            common=_common(None),
            base_schema=schema,
            virtual_table=stalg.ReadRel.VirtualTable(expressions=rows),
        )
    )
