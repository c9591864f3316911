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
    """``string_agg(x, sep)``; an ordering goes after the separator: ``.., sep ORDER BY k)``."""
    this, separator = e.this, e.args.get("separator") or exp.Literal.string(",")
    if not isinstance(this, exp.Order):
        return gen.func("string_agg", this, separator)
    order = gen.sql(exp.Order(expressions=this.expressions))
    return f"string_agg({gen.sql(this.this)}, {gen.sql(separator)}{order})"


def _array(gen: BaseGenerator, e: exp.Array) -> str:
    return gen.func("make_array", *e.expressions)


class DataFusionDialect(Dialect):
    """Double-quoted identifiers, case-sensitive when quoted; standard SQL otherwise."""

    # NULLs sort as the largest value (ASC NULLS LAST, DESC NULLS FIRST), as in Postgres:
    # sqlglot then spells out NULLS FIRST/LAST exactly where a sort departs from that.
    NULL_ORDERING = "nulls_are_large"

    class Generator(BaseGenerator):
        TYPE_MAPPING: ClassVar[dict] = {
            **BaseGenerator.TYPE_MAPPING,
            exp.DataType.Type.UTINYINT: "TINYINT UNSIGNED",
            exp.DataType.Type.USMALLINT: "SMALLINT UNSIGNED",
            exp.DataType.Type.UINT: "INT UNSIGNED",
            exp.DataType.Type.UBIGINT: "BIGINT UNSIGNED",
        }
        TRANSFORMS: ClassVar[dict] = {
            **BaseGenerator.TRANSFORMS,
            exp.StrPosition: _strpos,
            exp.GroupConcat: _string_agg,
            exp.Array: _array,
        }
