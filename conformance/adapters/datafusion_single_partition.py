"""An example user adapter: planbridge on DataFusion with one target partition.

Run it with ``planbridge conformance --engine conformance/adapters/datafusion_single_partition.py:adapter``.
It implements the three members docs/conformance.md describes (``name``, ``unavailable``,
``run``) and shows how a different engine configuration shows up as its own matrix column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

import planbridge


class SinglePartitionDataFusion:
    """DataFusion through planbridge, in a SessionContext with ``target_partitions = 1``."""

    name = "datafusion-1p"

    def unavailable(self) -> str | None:
        try:
            import datafusion  # noqa: F401
        except ImportError as exc:
            return f"datafusion not installed: {exc}"
        return None

    def run(self, plan: planbridge.Plan, tables: Mapping[str, Any]) -> pa.Table:
        from datafusion import SessionConfig, SessionContext

        ctx = SessionContext(SessionConfig().with_target_partitions(1))
        return planbridge.execute(plan, engine="datafusion", tables=dict(tables), connection=ctx)


def adapter() -> SinglePartitionDataFusion:
    return SinglePartitionDataFusion()
