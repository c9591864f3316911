"""Run a Substrait plan on an engine and get Arrow back: ``planbridge.execute``.

The pipeline is the same for every engine: read the plan, lower planbridge's streaming
extension relations when the engine has no native form for them, bind, translate, run,
then give the result the plan's output names and declared types.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import pyarrow as pa
from substrait import plan_pb2

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.consumer.bind import bind_plan
from planbridge.engines import engine_class
from planbridge.engines.cache import SchemaMemo, TranslationCache
from planbridge.errors import EngineError, PlanError, PlanReadError
from planbridge.plan import Plan

#: Plans run again skip decode, bind and translation (see :mod:`planbridge.engines.cache`);
#: ``translation_cache.maxsize = 0`` turns it off, ``.clear()`` empties it.
translation_cache = TranslationCache()


def as_plan(plan: Any) -> Plan:
    """Accept a Plan, a substrait Plan message, bytes, a path, or an API expression."""
    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, plan_pb2.Plan):
        return Plan(plan)
    if isinstance(plan, bytes | bytearray | memoryview):
        return Plan.from_data(bytes(plan))
    if isinstance(plan, str | os.PathLike):
        return Plan.load(plan)
    to_substrait = getattr(plan, "to_substrait", None)
    if callable(to_substrait):
        return to_substrait()
    raise PlanReadError(
        f"cannot run a {type(plan).__name__}: give a planbridge.Plan, plan bytes, a plan file "
        f"path or a planbridge expression"
    )


def lower_if_needed(plan: Plan, engine: str) -> Plan:
    """Rewrite streaming extension relations into standard Substrait for batch engines."""
    if engine == "flink":
        return plan
    if not any(_has_extension(r) for r in plan.proto.relations):
        return plan
    try:
        from planbridge.streaming.lower import lower_plan
    except ImportError:
        return plan
    return lower_plan(plan, keep_replayed_sessions=True)  # our SQL engines run those


# Every extension relation's detail is a protobuf Any, whose type URL starts with this
_EXTENSION_URL = b"type.googleapis.com"


def _has_extension(rel: Any) -> bool:
    return _EXTENSION_URL in rel.SerializeToString()


def bind(plan: Any, engine: str = "duckdb") -> ir.BoundPlan:
    """Read, lower when needed, and bind a plan for ``engine``."""
    if isinstance(plan, bytes | bytearray) and _EXTENSION_URL not in plan:
        # no extension relation: one scan of the input, no re-encoding, and no whole-plan
        # unknown-field pass (the binder checks where legacy fields can be)
        return bind_plan(Plan.from_data(bytes(plan), upgrade=False))
    decoded = as_plan(plan)
    return bind_plan(lower_if_needed(decoded, engine))


def execute_batches(
    plan: Any,
    engine: str = "duckdb",
    tables: Mapping[str, Any] | None = None,
    connection: Any | None = None,
) -> pa.RecordBatchReader:
    """Run ``plan`` on ``engine`` and stream the result as Arrow record batches.

    ``tables`` maps table names to pyarrow tables, datasets or file paths; ``connection``
    is an existing DuckDB connection / DataFusion context whose tables the plan may read.
    """
    cls = engine_class(engine)
    runner = cls(connection)
    try:
        if cls.cacheable:
            bound, sql = translation_cache.prepare(plan, runner, tables, bind)
        else:
            bound = bind(plan, cls.name)
            sql = runner.query(bound, tables)
        reader = runner.run(bound, sql)
        if isinstance(bound.root, ir.Write) and getattr(runner, "runs_sinks", False):
            schema = reader.schema  # the sink job's outcome
        else:
            schema = output_schema(bound, reader.schema)
    except BaseException:
        runner.close()
        raise
    return pa.RecordBatchReader.from_batches(schema, _conform(reader, schema, runner, bound))


def execute(
    plan: Any,
    engine: str = "duckdb",
    tables: Mapping[str, Any] | None = None,
    connection: Any | None = None,
) -> pa.Table:
    """Run ``plan`` on ``engine`` and return the whole result as a ``pyarrow.Table``."""
    reader = execute_batches(plan, engine=engine, tables=tables, connection=connection)
    try:
        return reader.read_all()
    finally:
        reader.close()


def output_schema(bound: ir.BoundPlan, actual: pa.Schema) -> pa.Schema:
    """The result schema: the plan's output names, its declared types where Arrow has them."""
    known = _OUTPUT_SCHEMAS.get(bound, actual)
    if known is None:
        known = _output_schema(bound, actual)
        _OUTPUT_SCHEMAS.put(bound, actual, known)  # a plan run again gets the same answer
    return known


_OUTPUT_SCHEMAS = SchemaMemo(256)


def _output_schema(bound: ir.BoundPlan, actual: pa.Schema) -> pa.Schema:
    fields = []
    for i, (col, name) in enumerate(zip(bound.root.schema, bound.output_names, strict=True)):
        have = actual.field(i).type
        want = _declared_arrow(col.type, have)
        fields.append(pa.field(name, want, nullable=True))
    return pa.schema(fields)


def _declared_arrow(t: ir.Type, have: pa.DataType) -> pa.DataType:
    kind = T.kind(t)
    if kind in ("", "unknown", "struct", "list", "map") or kind.startswith("interval"):
        return have
    try:
        want = T.type_to_arrow(t)
    except PlanError:
        return have
    if pa.types.is_large_string(want) and (
        pa.types.is_string(have) or pa.types.is_string_view(have)
    ):
        return pa.string()
    if pa.types.is_large_binary(want) and pa.types.is_binary(have):
        return pa.binary()
    if pa.types.is_timestamp(want) and pa.types.is_timestamp(have):
        return pa.timestamp(have.unit, tz=want.tz) if bool(want.tz) == bool(have.tz) else want
    if pa.types.is_decimal(want) and pa.types.is_decimal(have):
        lossless = want.scale >= have.scale and (
            want.precision - want.scale >= have.precision - have.scale
        )
        return want if lossless else have  # e.g. a plan declaring too small a scale
    if pa.types.is_integer(want) and pa.types.is_decimal(have) and have.scale == 0:
        return want  # DuckDB's HUGEINT sums; the checked cast fails on overflow
    return want if _category(want) == _category(have) else have


def _category(t: pa.DataType) -> str:
    """Casts stay within a category: a float result is not silently made a decimal."""
    for name, test in (
        ("int", pa.types.is_integer),
        ("float", pa.types.is_floating),
        ("decimal", pa.types.is_decimal),
        (
            "string",
            lambda x: (
                pa.types.is_string(x) or pa.types.is_large_string(x) or pa.types.is_string_view(x)
            ),
        ),
        (
            "binary",
            lambda x: (
                pa.types.is_binary(x)
                or pa.types.is_large_binary(x)
                or pa.types.is_fixed_size_binary(x)
            ),
        ),
        ("date", pa.types.is_date),
        ("bool", pa.types.is_boolean),
        ("time", pa.types.is_time),
    ):
        if test(t):
            return name
    return str(t)


def _conform(
    reader: pa.RecordBatchReader, schema: pa.Schema, runner: Any, bound: ir.BoundPlan
) -> Iterator[pa.RecordBatch]:
    try:
        engine_schema = reader.schema
        casts = _casts(engine_schema, schema)
        for batch in reader:
            same = batch.schema.equals(engine_schema)
            yield _cast_batch(batch, schema, bound, casts if same else _casts(batch.schema, schema))
    except PlanError:
        raise
    except BaseException as exc:
        failure = getattr(runner, "is_failure", None)
        if not (failure(exc) if failure else isinstance(exc, runner.error_types())):
            raise
        raise EngineError(f"{runner.name} failed: {exc}", bound.root.path) from None
    finally:
        runner.close()


def _casts(have: pa.Schema, want: pa.Schema) -> list[int]:
    """Positions of the columns whose type is not the declared one."""
    return [i for i, field in enumerate(want) if have.field(i).type != field.type]


def _cast_batch(
    batch: pa.RecordBatch, schema: pa.Schema, bound: ir.BoundPlan, casts: list[int]
) -> pa.RecordBatch:
    """``batch`` under the result's names, the columns at ``casts`` cast to declared types."""
    columns = batch.columns
    for i in casts:
        field, col = schema.field(i), columns[i]
        try:
            columns[i] = col.cast(field.type, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise EngineError(
                f"result column {field.name!r} is {col.type}, which does not convert to the "
                f"declared {field.type}: {exc}",
                bound.root.path,
            ) from None
    return pa.RecordBatch.from_arrays(columns, schema=schema)
