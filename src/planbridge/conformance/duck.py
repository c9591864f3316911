"""DuckDB as the independent source of expected results (never the system under test)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa


def run_sql(sql: str, tables: Mapping[str, Any] | None = None) -> pa.Table:
    """Run ``sql`` in a fresh in-memory DuckDB with ``tables`` registered by name."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        # The corpus's SQL was written for DuckDB versions where x/0 is NULL (the Substrait
        # default too); newer DuckDB raises unless told otherwise.
        try:
            con.execute("SET error_on_division_by_zero = false")
        except duckdb.Error:
            pass
        for name, data in (tables or {}).items():
            if isinstance(data, (str, Path)):
                _read_file(con, Path(data)).create_view(name)
            else:
                con.register(name, data)
        rel = con.sql(sql)
        if rel is None:
            raise ValueError("the SQL returns no rows (not a query)")
        return rel.to_arrow_table()
    finally:
        con.close()


def _read_file(con: Any, path: Path) -> Any:
    """A DuckDB relation over a parquet, CSV or Arrow IPC file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return con.read_csv(str(path))
    if suffix in (".arrow", ".ipc", ".feather"):
        import pyarrow.feather as feather

        return con.from_arrow(feather.read_table(path))
    return con.read_parquet(str(path))
