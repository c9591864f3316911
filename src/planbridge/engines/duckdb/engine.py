"""DuckDB: plans become DuckDB SQL; data is registered as Arrow tables or datasets."""

from __future__ import annotations

import threading
import weakref
from typing import Any, ClassVar

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from planbridge.consumer import ir
from planbridge.engines.base import SqlEngine
from planbridge.engines.sql import functions as F
from planbridge.engines.sql.translator import SqlTranslator

BATCH_ROWS = 1 << 17


def _shift_left(tr: Any, call: ir.Call, args: list[Any]) -> exp.Expression:
    """``x * (1 << n)``: DuckDB refuses to left-shift a negative number; the product is the
    same value (and an error where the shift would overflow)."""
    x, n = F.values(args)
    one = exp.Cast(this=exp.Literal.number(1), to=tr.data_type(call.type))
    return exp.Mul(this=x, expression=exp.Paren(this=exp.BitwiseLeftShift(this=one, expression=n)))


class DuckDBTranslator(SqlTranslator):
    """DuckDB's SQL is the translator's default dialect; the shape rules are switched on."""

    dialect: ClassVar[str] = "duckdb"
    engine_name: ClassVar[str] = "duckdb"
    flat_joins: ClassVar[bool] = True
    share_repeats: ClassVar[bool] = True
    # EXISTS beside explicit JOIN .. ON stays a correlated (delim) join in DuckDB's plan;
    # its own SEMI / ANTI JOIN becomes a hash semi join the join order optimizer places
    semi_join_syntax: ClassVar[bool] = True
    bitwise_integer: ClassVar[str] = "INT128"  # HUGEINT
    sort_in_place: ClassVar[bool] = True
    grouped_selects: ClassVar[bool] = True
    exists_selects_one: ClassVar[bool] = True
    FUNCTION_OVERRIDES: ClassVar[dict[str, F.Handler]] = {
        "octet_length": F.named("strlen"),  # DuckDB's octet_length takes BLOB/BIT only
        "shift_left": _shift_left,
        "or": F.or_as_in_lists,
    }


def _table_schema(con: Any, name: str) -> tuple[str, pa.Schema] | None:
    try:
        rel = con.table(name)
    except duckdb.Error:
        return None
    return name, rel.limit(0).to_arrow_table().schema


def _catalog_version(con: Any) -> int | None:
    """DuckDB's count of statements that may change what a name binds to (registering,
    DDL, SET ...), shared by every connection to the database; None when unavailable."""
    version = getattr(con, "_catalog_version", None)
    if version is None:
        return None
    try:
        return int(version())
    except Exception:
        return None


class SchemaCache:
    """Schemas of a user connection's tables, reused while its catalog version holds.

    Looking a table up costs DuckDB a bind and an Arrow conversion (about 2 ms), paid per
    read per execution otherwise. Connections are held weakly; without a catalog version
    (another DuckDB build) every lookup asks DuckDB."""

    def __init__(self) -> None:
        self._by_connection: weakref.WeakKeyDictionary[Any, dict[str, Any]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def lookup(self, con: Any, name: str, fetch: Any) -> tuple[str, pa.Schema] | None:
        version = _catalog_version(con)
        if version is None:
            return fetch(con, name)
        with self._lock:
            known = self._by_connection.get(con, {}).get(name)
        if known is not None and known[0] == version:
            return known[1]
        found = fetch(con, name)
        if _catalog_version(con) == version:  # nothing changed the catalog meanwhile
            with self._lock:
                self._by_connection.setdefault(con, {})[name] = (version, found)
        return found


_SCHEMAS = SchemaCache()


class DuckDBEngine(SqlEngine):
    name: ClassVar[str] = "duckdb"
    translator: ClassVar[type[SqlTranslator]] = DuckDBTranslator
    cacheable: ClassVar[bool] = True

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
        return _SCHEMAS.lookup(self.connection, name, _table_schema)

    def run_sql(self, sql: str) -> pa.RecordBatchReader:
        return self.connection.sql(sql).to_arrow_reader(BATCH_ROWS)

    def error_types(self) -> tuple[type[BaseException], ...]:
        return (duckdb.Error,)

    def close(self) -> None:
        super().close()
        if self.owns_connection:
            self.connection.close()
