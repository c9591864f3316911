"""Streaming demo: clicks per page in 1-minute tumbling windows of event time.

The same plan runs as a batch job on DuckDB/DataFusion (bounded input: every row counts)
and as a streaming job on Flink (watermark = max event time - 5 s).
``tables()`` gives a small recorded stream with out-of-order rows.
"""

from __future__ import annotations

import datetime as dt

import planbridge as pb

clicks = pb.table(
    "clicks",
    {"page": "string", "user_id": "int64", "clicked_at": "timestamp"},
    event_time="clicked_at",
    watermark=pb.interval(seconds=5),
)
windows = clicks.window_by("clicked_at").tumble(pb.interval(minutes=1))
plan = windows.aggregate(
    by="page",
    clicks=windows.user_id.count(),
    users=windows.user_id.nunique(),
)


def tables() -> dict:
    """A recorded stream: 3 minutes of clicks on two pages, some arriving out of order."""
    import pyarrow as pa

    start = dt.datetime(2024, 5, 1, 12, 0, 0)
    seconds = [3, 17, 59, 60, 44, 61, 95, 119, 120, 150, 58, 179]
    pages = "home docs home home docs docs home home docs home docs docs".split()
    users = [1, 2, 1, 3, 2, 2, 4, 1, 5, 3, 6, 2]
    return {
        "clicks": pa.table(
            {
                "page": pages,
                "user_id": pa.array(users, pa.int64()),
                "clicked_at": pa.array(
                    [start + dt.timedelta(seconds=s) for s in seconds], pa.timestamp("us")
                ),
            }
        )
    }
