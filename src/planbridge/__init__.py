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

# The dataframe API: pb.table, pb.desc, pb.literal, ... (see planbridge.frontend).
from planbridge.frontend import *  # noqa: F403
from planbridge.frontend import __all__ as _frontend_all
from planbridge.plan import Plan

__version__ = "0.1.0"

__all__ = [
    "EngineError",
    "Plan",
    "PlanBuildError",
    "PlanError",
    "PlanReadError",
    "PlanValidationError",
    "TableBindingError",
    "UnsupportedError",
    "__version__",
    "execute",
    "execute_batches",
    *_frontend_all,
]
