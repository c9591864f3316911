"""A sqlglot dialect for DataFusion's SQL (sqlparser-rs generic dialect, Postgres-like).

Printed by sqlglot's own generator; only the spellings that differ from it are rewritten
as they are printed (see :mod:`planbridge.engines.respell`).
"""

from __future__ import annotations

from typing import ClassVar

import sqlglot.expressions as exp

from planbridge.engines.respell import RespellingDialect, Rule, call, renamed_type

_T = exp.DataType.Type


def _string_agg(e: exp.GroupConcat) -> exp.Expression:
    """``string_agg(x, sep)``; an ordering goes after the separator: ``.., sep ORDER BY k)``."""
    this, separator = e.this, e.args.get("separator") or exp.Literal.string(",")
    if not isinstance(this, exp.Order):
        return call("string_agg", this, separator)
    return call("string_agg", this.this, exp.Order(this=separator, expressions=this.expressions))


class DataFusionDialect(RespellingDialect):
    """Double-quoted identifiers, case-sensitive when quoted; standard SQL otherwise."""

    # NULLs sort as the largest value (ASC NULLS LAST, DESC NULLS FIRST), as in Postgres:
    # sqlglot then spells out NULLS FIRST/LAST exactly where a sort departs from that.
    NULL_ORDERING = "nulls_are_large"

    RULES: ClassVar[dict[type, Rule]] = {
        exp.DataType: renamed_type(
            {
                _T.UTINYINT: "TINYINT UNSIGNED",
                _T.USMALLINT: "SMALLINT UNSIGNED",
                _T.UINT: "INT UNSIGNED",
                _T.UBIGINT: "BIGINT UNSIGNED",
            }
        ),
        exp.StrPosition: lambda e: call("strpos", e.this, e.args.get("substr")),
        exp.GroupConcat: _string_agg,
        exp.Array: lambda e: call("make_array", *e.expressions),
    }
