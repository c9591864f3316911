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
from planbridge.plan import Plan
from planbridge.service.client import connect

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
    "connect",
    "execute",
    "execute_batches",
]
