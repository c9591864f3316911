"""What every SQL-backed engine shares: bind tables, translate, run, return Arrow.

An engine subclass names its translator and implements four small methods: register a
table, look up a table of a user-supplied connection, run SQL to an Arrow stream, close.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa

from planbridge.consumer import ir
from planbridge.engines.sql.sources import Sources
from planbridge.engines.sql.translator import SqlTranslator
from planbridge.engines.tables import TableBinder
from planbridge.errors import EngineError, PlanError


class SqlEngine:
    """Base of engines that run the plan as one SQL query."""

    name: ClassVar[str]
    translator: ClassVar[type[SqlTranslator]]
    #: Whether :meth:`query` is :meth:`prepare` + :meth:`translate` over :meth:`binder`, so
    #: that the translation cache (:mod:`planbridge.engines.cache`) may stand in for it.
    cacheable: ClassVar[bool] = False

    def __init__(self, connection: Any | None = None) -> None:
        self.owns_connection = connection is None
        self.connection = connection if connection is not None else self.connect()
        self.registered: list[str] = []

    # -- engine specifics --------------------------------------------------------------
    def connect(self) -> Any:
        raise NotImplementedError

    def register(self, name: str, data: Any) -> None:
        raise NotImplementedError

    def unregister(self, name: str) -> None:
        raise NotImplementedError

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None:
        """The engine name and schema of a table already in the user's connection."""
        return None

    def run_sql(self, sql: str) -> pa.RecordBatchReader:
        raise NotImplementedError

    def error_types(self) -> tuple[type[BaseException], ...]:
        return ()

    # -- shared ------------------------------------------------------------------------
    def query(self, plan: ir.BoundPlan, tables: Mapping[str, Any] | None = None) -> str:
        """Bind the plan's reads to ``tables`` (registering them) and return the SQL."""
        self.prepare(plan)
        return self.translate(plan, self.binder(tables))

    def prepare(self, plan: ir.BoundPlan) -> None:
        """Set the connection up for ``plan`` before any data is registered."""

    def binder(self, tables: Mapping[str, Any] | None) -> TableBinder:
        """This execution's table binder: it registers data with this engine."""
        return TableBinder(tables, self)

    def translate(self, plan: ir.BoundPlan, sources: Sources) -> str:
        """The SQL text for ``plan`` with reads resolved by ``sources``."""
        return self.translator(sources).sql(plan)

    def run(self, plan: ir.BoundPlan, sql: str) -> pa.RecordBatchReader:
        """Run ``sql`` (made by :meth:`query`); engine failures become EngineError."""
        try:
            return self.run_sql(sql)
        except PlanError:
            raise
        except BaseException as exc:
            if not self.is_failure(exc):
                raise
            raise EngineError(f"{self.name} failed: {_first_line(exc)}", plan.root.path) from None

    def is_failure(self, exc: BaseException) -> bool:
        """Whether ``exc`` is the engine failing on this query (a Rust panic included)."""
        return isinstance(exc, self.error_types()) or type(exc).__name__ == "PanicException"

    def close(self) -> None:
        for name in self.registered:
            try:
                self.unregister(name)
            except Exception:
                pass
        self.registered.clear()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if len(text) < 2000 else text[:2000] + " ..."
