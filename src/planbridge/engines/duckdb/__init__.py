"""The DuckDB engine (embedded, the default)."""

from planbridge.engines.duckdb.engine import DuckDBEngine, DuckDBTranslator

__all__ = ["DuckDBEngine", "DuckDBTranslator"]
