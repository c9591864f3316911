"""Exact float rounding (engines/sql/rounding.py) on both engines against a decimal reference.

``decimal.Decimal(x)`` is the exact value of a double, so quantizing it is an independent
truth; the naive ``round(x * 10^n) / 10^n`` fails on values such as 59869.35.
"""

from __future__ import annotations

import decimal
import random

import datafusion
import duckdb
import pyarrow as pa
import pytest
import sqlglot.expressions as exp

from planbridge.engines.datafusion.dialect import DataFusionDialect
from planbridge.engines.sql.rounding import exact_round

D = decimal
_MODES = {
    "TIE_TO_EVEN": D.ROUND_HALF_EVEN,
    "TIE_AWAY_FROM_ZERO": D.ROUND_HALF_UP,
    "TRUNCATE": D.ROUND_DOWN,
    "CEILING": D.ROUND_CEILING,
    "FLOOR": D.ROUND_FLOOR,
    "AWAY_FROM_ZERO": D.ROUND_UP,
}


def reference(x: float, digits: int, mode: str) -> float:
    q = D.Decimal(1).scaleb(-digits)
    return float(D.Decimal(x).quantize(q, _MODES[mode], context=D.Context(prec=400)))


def _values() -> list[float]:
    rng = random.Random(11)
    xs = [59869.35, 0.285, 2.5, -2.5, 1.005, 0.125, -0.125, 1234.5678, 0.0, 1e-300]
    for _ in range(150):
        k = rng.randint(0, 5)
        xs.append(round(rng.uniform(-1e5, 1e5), k) + rng.choice([0.0, 5 * 10.0 ** -(k + 1)]))
        xs.append(rng.uniform(-1, 1) * 10.0 ** rng.randint(-8, 12))
    return xs


def _run(engine: str, table: pa.Table, query: exp.Select) -> list[dict]:
    if engine == "duckdb":
        con = duckdb.connect()
        con.register("t", table)
        return con.sql(query.sql("duckdb")).to_arrow_table().to_pylist()
    ctx = datafusion.SessionContext()
    ctx.register_record_batches("t", [table.to_batches()])
    return ctx.sql(query.sql(dialect=DataFusionDialect)).to_arrow_table().to_pylist()


@pytest.mark.parametrize("engine", ["duckdb", "datafusion"])
def test_exact_round_matches_decimal_reference(engine: str) -> None:
    assert reference(59869.35, 1, "TIE_AWAY_FROM_ZERO") == 59869.3  # naive x*10^n gives .4
    table = pa.table({"x": pa.array(_values(), pa.float64())})
    cols = [exp.column("x")]
    cases = [(n, m) for n in (-2, 0, 1, 2, 4) for m in _MODES]
    for i, (n, m) in enumerate(cases):
        cols.append(exact_round(exp.column("x"), n, m).as_(f"r{i}"))
    rows = _run(engine, table, exp.select(*cols).from_("t"))
    wrong = []
    for row in rows:
        for i, (n, m) in enumerate(cases):
            if abs(row["x"] * 10.0**n) < 2**52 and row[f"r{i}"] != reference(row["x"], n, m):
                wrong.append((row["x"], n, m, row[f"r{i}"]))
    assert not wrong, wrong[:10]
