"""planbridge: one Python dataframe API, standard Substrait plans, any engine.

The front end (``planbridge.frontend``) builds plans; ``planbridge.Plan`` reads and writes
them; the consumer (``planbridge.consumer``) binds any producer's plan; engines
(``planbridge.engines``) run it on DuckDB, DataFusion or Flink.
"""

from planbridge.errors import (
    EngineError,
    PlanBuildError,
    PlanError,
    PlanReadError,
    PlanValidationError,
    TableBindingError,
    UnsupportedError,
)
from planbridge.execute import execute, execute_batches

# The dataframe API (pb.table, pb.desc, ...), imported last: it builds on the above.
from planbridge.frontend import (
    Expr,
    Table,
    asc,
    case,
    coalesce,
    cume_dist,
    dense_rank,
    desc,
    exists,
    ifelse,
    interval,
    literal,
    memtable,
    ntile,
    null,
    percent_rank,
    rank,
    read_csv,
    read_parquet,
    row_number,
    table,
)
from planbridge.plan import Plan

__version__ = "0.1.0"

__all__ = [
    "EngineError",
    "Expr",
    "Plan",
    "PlanBuildError",
    "PlanError",
    "PlanReadError",
    "PlanValidationError",
    "Table",
    "TableBindingError",
    "UnsupportedError",
    "__version__",
    "asc",
    "case",
    "coalesce",
    "cume_dist",
    "dense_rank",
    "desc",
    "execute",
    "execute_batches",
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
