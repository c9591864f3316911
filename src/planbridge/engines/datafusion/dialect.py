"""A sqlglot dialect for DataFusion's SQL (sqlparser-rs generic dialect, Postgres-like).

Only the spellings that differ from sqlglot's default generator are overridden here.
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot.expressions as exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.generator import Generator as BaseGenerator


def _strpos(gen: BaseGenerator, e: exp.StrPosition) -> str:
    return gen.func("strpos", e.this, e.args.get("substr"))


def _string_agg(gen: BaseGenerator, e: exp.GroupConcat) -> str:
    return gen.func("string_agg", e.this, e.args.get("separator") or exp.Literal.string(","))


class DataFusionDialect(Dialect):
    """Double-quoted identifiers, case-sensitive when quoted; standard SQL otherwise."""

    # NULLs sort as the largest value (ASC NULLS LAST, DESC NULLS FIRST), as in Postgres:
    # sqlglot then spells out NULLS FIRST/LAST exactly where a sort departs from that.
    NULL_ORDERING = "nulls_are_large"

    class Generator(BaseGenerator):
        TRANSFORMS: ClassVar[dict] = {
            **BaseGenerator.TRANSFORMS,
            exp.StrPosition: _strpos,
            exp.GroupConcat: _string_agg,
        }
