"""The dataframe API: Ibis-style verbs that build standard Substrait plans.

``Table`` and ``Expr`` wrap substrait-python's unbound plans and expressions; every call
resolves through its ExtensionRegistry against the standard extensions.
"""

from planbridge.frontend.expr import (
    Case,
    Expr,
    case,
    coalesce,
    exists,
    ifelse,
    literal,
    null,
)
from planbridge.frontend.sorting import SortKey, asc, desc
from planbridge.frontend.sources import interval, memtable, read_csv, read_parquet, table
from planbridge.frontend.table import GroupedTable, Table
from planbridge.frontend.window import cume_dist, dense_rank, ntile, percent_rank, rank, row_number

__all__ = [
    "Case",
    "Expr",
    "GroupedTable",
    "SortKey",
    "Table",
    "asc",
    "case",
    "coalesce",
    "cume_dist",
    "dense_rank",
    "desc",
    "exists",
    "ifelse",
    "interval",
    "literal",
    "memtable",
    "ntile",
    "null",
    "percent_rank",
    "rank",
    "read_csv",
    "read_parquet",
    "row_number",
    "table",
]
