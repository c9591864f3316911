"""Reference adapter: DataFusion's own Substrait consumer (``--engine datafusion-native``).

Not planbridge: a yardstick that shows what a native consumer runs of the same cases.
Tables are registered under their given name and its upper-case form (Isthmus).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from planbridge.errors import EngineError, UnsupportedError
from planbridge.plan import Plan


class NativeDataFusion:
    """Runs a plan with ``datafusion.substrait.Consumer`` (no planbridge binding)."""

    name = "datafusion-native"

    def unavailable(self) -> str | None:
        try:
            import datafusion.substrait  # noqa: F401
        except ImportError as exc:
            return f"datafusion not installed: {exc}"
        return None

    def run(self, plan: Plan, tables: Mapping[str, Any]) -> pa.Table:
        from datafusion import SessionContext
        from datafusion import substrait as ss

        ctx = SessionContext()
        for name, value in tables.items():
            table = pq.read_table(value) if isinstance(value, (str, Path)) else value
            for n in (name, f'"{name.upper()}"'):
                try:
                    ctx.register_record_batches(n, [table.to_batches()])
                except Exception:
                    continue
        try:
            proto = ss.Serde.deserialize_bytes(plan.to_bytes(legacy_uris=True))
            logical = ss.Consumer.from_substrait_plan(ctx, proto)
            return ctx.create_dataframe_from_logical_plan(logical).to_arrow_table()
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "not implemented" in text or "Unsupported" in text:
                raise UnsupportedError(text) from None
            raise EngineError(text) from None
