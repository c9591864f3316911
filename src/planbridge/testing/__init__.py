"""Test helpers: generated TPC-H data and other fixtures shared by tests and benchmarks."""

from planbridge.testing.tpch import TPCH_TABLES, tpch_arrow_tables, tpch_tables

__all__ = ["TPCH_TABLES", "tpch_arrow_tables", "tpch_tables"]
