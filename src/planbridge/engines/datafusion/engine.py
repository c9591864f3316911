"""DataFusion: plans become DataFusion SQL; data is registered as Arrow datasets."""

from __future__ import annotations

from typing import Any, ClassVar

import datafusion
import pyarrow as pa
import sqlglot.expressions as exp

from planbridge.engines.base import SqlEngine
from planbridge.engines.datafusion.dialect import DataFusionDialect
from planbridge.engines.sql.translator import SqlTranslator


class DataFusionTranslator(SqlTranslator):
    """DataFusion spells integer division ``/`` and binary literals ``X'..'``."""

    dialect: ClassVar[Any] = DataFusionDialect
    engine_name: ClassVar[str] = "datafusion"

    def integer_divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Div(this=a, expression=b)

    def binary_literal(self, v: bytes) -> exp.Expression:
        return exp.Cast(this=exp.HexString(this=v.hex()), to=exp.DataType.build("VARBINARY"))


class DataFusionEngine(SqlEngine):
    name: ClassVar[str] = "datafusion"
    translator: ClassVar[type[SqlTranslator]] = DataFusionTranslator

    def connect(self) -> Any:
        return datafusion.SessionContext()

    def register(self, name: str, data: Any) -> None:
        if isinstance(data, pa.Table):
            batches = data.to_batches() or [pa.RecordBatch.from_pylist([], schema=data.schema)]
            self.connection.register_record_batches(name, [batches])
        else:
            self.connection.register_dataset(name, data)
        self.registered.append(name)

    def unregister(self, name: str) -> None:
        self.connection.deregister_table(name)

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None:
        if self.owns_connection:
            return None
        try:
            return name, self.connection.table(name).schema()
        except Exception:
            return None

    def run_sql(self, sql: str) -> pa.RecordBatchReader:
        df = self.connection.sql(sql)
        return pa.RecordBatchReader.from_stream(df)

    def error_types(self) -> tuple[type[BaseException], ...]:
        return (Exception,)
