"""Write the small tables the local cases read (deterministic; rerun to regenerate).

``t`` (10 rows, every common type, nulls in most columns) and ``u`` (join partner) as
parquet; ``t`` also as CSV and Arrow IPC for the local-files read cases.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
D = decimal.Decimal

T_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("g", pa.string()),
        ("a", pa.int64()),
        ("x", pa.float64()),
        ("d", pa.decimal128(15, 2)),
        ("dt", pa.date32()),
        ("ts", pa.timestamp("us")),
        ("s", pa.string()),
        ("flag", pa.bool_()),
    ]
)
T_ROWS = [
    (
        1,
        "a",
        10,
        1.5,
        D("10.25"),
        dt.date(2024, 1, 15),
        dt.datetime(2024, 1, 15, 8, 30),
        "Apple",
        True,
    ),
    (
        2,
        "a",
        20,
        -2.25,
        D("-3.50"),
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 23, 59, 59),
        "banana",
        False,
    ),
    (
        3,
        "b",
        None,
        0.0,
        D("0.00"),
        dt.date(2023, 12, 31),
        dt.datetime(2023, 12, 31, 0, 0, 1),
        "Cherry pie",
        None,
    ),
    (4, "b", 40, None, D("123.45"), None, dt.datetime(2024, 6, 1, 12, 0), "date", True),
    (5, "b", -5, 3.75, None, dt.date(2020, 7, 4), None, None, False),
    (
        6,
        "c",
        60,
        100.0,
        D("99.99"),
        dt.date(2024, 3, 10),
        dt.datetime(2024, 3, 10, 4, 5, 6),
        "elder berry",
        True,
    ),
    (
        7,
        None,
        70,
        -0.5,
        D("1.01"),
        dt.date(2021, 11, 11),
        dt.datetime(2021, 11, 11, 11, 11, 11),
        "fig",
        None,
    ),
    (
        8,
        "c",
        10,
        2.0,
        D("-0.01"),
        dt.date(2024, 1, 1),
        dt.datetime(2024, 1, 1, 0, 0),
        "  grape  ",
        True,
    ),
    (
        9,
        "d",
        90,
        9.0,
        D("50.00"),
        dt.date(2019, 5, 20),
        dt.datetime(2019, 5, 20, 19, 45),
        "Honeydew",
        False,
    ),
    (
        10,
        "a",
        20,
        7.125,
        D("7.50"),
        dt.date(2024, 1, 15),
        dt.datetime(2024, 1, 15, 16, 0),
        "apple",
        True,
    ),
]
U_SCHEMA = pa.schema(
    [("uid", pa.int64()), ("g", pa.string()), ("w", pa.int64()), ("label", pa.string())]
)
U_ROWS = [
    (1, "a", 100, "one"),
    (2, "b", 200, "two"),
    (3, "b", 300, "three"),
    (11, "e", 1100, "eleven"),
    (12, None, 1200, "twelve"),
    (4, "z", None, None),
]


def table(schema: pa.Schema, rows: list[tuple]) -> pa.Table:
    return pa.table({f.name: pa.array([r[i] for r in rows], f.type) for i, f in enumerate(schema)})


def main() -> None:
    t = table(T_SCHEMA, T_ROWS)
    pq.write_table(t, HERE / "t.parquet")
    pq.write_table(table(U_SCHEMA, U_ROWS), HERE / "u.parquet")
    feather.write_feather(t, HERE / "t.arrow", compression="uncompressed")
    # CSV holds the columns CSV can carry without type guessing ambiguity
    pcsv.write_csv(t.select(["id", "g", "a", "x", "s"]), HERE / "t.csv")


if __name__ == "__main__":
    main()
