"""Apache Flink engine: a JVM driven over py4j, running Flink SQL (see docs/flink.md)."""

from planbridge.engines.flink.cluster import SessionCluster
from planbridge.engines.flink.errors import (
    FlinkError,
    FlinkJobError,
    FlinkSqlError,
    JavaNotFoundError,
)
from planbridge.engines.flink.runtime import (
    FlinkConfig,
    FlinkSession,
    JobOutcome,
    jvm_gateway,
    shutdown_jvm,
)

__all__ = [
    "FlinkConfig",
    "FlinkError",
    "FlinkJobError",
    "FlinkSession",
    "FlinkSqlError",
    "JavaNotFoundError",
    "JobOutcome",
    "SessionCluster",
    "jvm_gateway",
    "shutdown_jvm",
]
