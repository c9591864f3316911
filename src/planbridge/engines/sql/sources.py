"""Where reads get their data: the engine-side table a read relation scans.

The translator never invents table names from the plan. A :class:`Sources` object (one per
execution, see :mod:`planbridge.engines.tables`) registers the data under generated names
(``_pb_t0`` ...) and tells the translator which column of the registered table feeds each
column of the read's base schema, and whether it needs a widening cast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from planbridge.consumer import ir


@dataclass(frozen=True)
class SourceTable:
    """A registered table: its engine name and, per base-schema column, the name of the
    column to read and the Substrait type to cast it to (None: read as is)."""

    name: str
    columns: tuple[tuple[str, ir.Type | None], ...]


class Sources(Protocol):
    """Resolves the data of read relations for one translation."""

    def named_table(self, rel: ir.NamedTableRead) -> SourceTable: ...

    def local_files(self, rel: ir.LocalFilesRead) -> SourceTable: ...

    def virtual_table(self, rel: ir.VirtualTableRead) -> SourceTable | None:
        """A registered table holding the rows, or None to inline them as ``VALUES``."""
        ...


class PlaceholderSources:
    """Sources for showing a query without data: tables are named after the plan."""

    def named_table(self, rel: ir.NamedTableRead) -> SourceTable:
        return SourceTable(".".join(rel.names), tuple((c.name, None) for c in rel.base_schema))

    def local_files(self, rel: ir.LocalFilesRead) -> SourceTable:
        return SourceTable(
            "files:" + ",".join(f.uri for f in rel.files),
            tuple((c.name, None) for c in rel.base_schema),
        )

    def virtual_table(self, rel: ir.VirtualTableRead) -> SourceTable | None:
        return None
