"""DuckDB: plans become DuckDB SQL; data is registered as Arrow tables or datasets."""

from __future__ import annotations

from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from planbridge.engines.base import SqlEngine
from planbridge.engines.sql import functions as F
from planbridge.engines.sql.translator import SqlTranslator

BATCH_ROWS = 1 << 17


class DuckDBTranslator(SqlTranslator):
    """DuckDB's SQL is the translator's default dialect; nothing to override yet."""

    dialect: ClassVar[str] = "duckdb"
    engine_name: ClassVar[str] = "duckdb"
    flat_joins: ClassVar[bool] = True
    share_repeats: ClassVar[bool] = True
    # EXISTS beside explicit JOIN .. ON stays a correlated (delim) join in DuckDB's plan;
    # its own SEMI / ANTI JOIN becomes a hash semi join the join order optimizer places
    semi_join_syntax: ClassVar[bool] = True
    FUNCTION_OVERRIDES: ClassVar[dict[str, F.Handler]] = {
        "octet_length": F.named("strlen"),  # DuckDB's octet_length takes BLOB/BIT only
    }


class DuckDBEngine(SqlEngine):
    name: ClassVar[str] = "duckdb"
    translator: ClassVar[type[SqlTranslator]] = DuckDBTranslator

    def connect(self) -> Any:
        return duckdb.connect()

    def register(self, name: str, data: Any) -> None:
        self.connection.register(name, data)
        self.registered.append(name)

    def unregister(self, name: str) -> None:
        self.connection.unregister(name)

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None:
        if self.owns_connection:
            return None
        try:
            rel = self.connection.table(name)
        except duckdb.Error:
            return None
        return name, rel.limit(0).to_arrow_table().schema

    def run_sql(self, sql: str) -> pa.RecordBatchReader:
        return self.connection.sql(sql).to_arrow_reader(BATCH_ROWS)

    def error_types(self) -> tuple[type[BaseException], ...]:
        return (duckdb.Error,)

    def close(self) -> None:
        super().close()
        if self.owns_connection:
            self.connection.close()
