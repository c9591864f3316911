"""A sqlglot dialect for DataFusion's SQL (sqlparser-rs generic dialect, Postgres-like)."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator


class DataFusionDialect(Dialect):
    """Double-quoted identifiers, case-sensitive when quoted; standard SQL otherwise."""

    class Generator(Generator):
        pass
