"""Regenerate the small recorded streams the streaming cases read (s.parquet, u.parquet).

``s``: events with a key ``k`` (null too), a value ``v``, an event time ``ts`` (on window
boundaries, out of order, one null) and ``seq``, the order the rows arrived in.
``u``: a second stream for window, interval joins. Times are seconds after 12:00:00.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
START = dt.datetime(2024, 5, 1, 12, 0, 0)

# seq, k, v, seconds after START (None: no event time)
S = [
    (1, "a", 1, 0.0),
    (2, "a", 2, 9.999),
    (3, "b", 3, 10.0),
    (4, "a", 4, 12.0),
    (5, None, 5, 14.0),
    (6, "b", 6, 31.0),
    (7, "a", 7, 15.0),
    (8, "b", 8, None),
    (9, None, 9, 20.0),
    (10, "a", 10, 25.0),
    (11, "b", 11, 15.0),
    (12, "a", 11, 45.0),
    (13, "b", 12, 40.0),
]
U = [
    ("a", 100, 1.0),
    ("a", 200, 13.0),
    ("b", 300, 12.0),
    ("b", 400, 34.0),
    (None, 500, 15.0),
    ("c", 600, 11.0),
    ("a", 700, None),
]


def _times(secs: list[float | None]) -> pa.Array:
    return pa.array(
        [None if s is None else START + dt.timedelta(seconds=s) for s in secs], pa.timestamp("us")
    )


def main() -> None:
    seq, k, v, ts = zip(*S, strict=True)
    pq.write_table(
        pa.table(
            {
                "seq": pa.array(seq, pa.int64()),
                "k": pa.array(k, pa.string()),
                "v": pa.array(v, pa.int64()),
                "ts": _times(list(ts)),
            }
        ),
        HERE / "s.parquet",
    )
    uk, w, uts = zip(*U, strict=True)
    pq.write_table(
        pa.table(
            {"uk": pa.array(uk, pa.string()), "w": pa.array(w, pa.int64()), "uts": _times(list(uts))}
        ),
        HERE / "u.parquet",
    )


if __name__ == "__main__":
    main()
