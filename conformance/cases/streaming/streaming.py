"""Streaming constructs in planbridge's API over the recorded streams s and u (make_data.py).

Each function returns a pipeline; streaming.cases.json holds the expectation (DuckDB SQL
written by hand to docs/streaming-semantics.md, or literal rows worked out by hand).
"""

from __future__ import annotations

import planbridge as pb

S_SCHEMA = {"seq": "int64", "k": "string", "v": "int64", "ts": "timestamp"}
# The rows arrive out of order by up to 16 s: a 60 s watermark delay makes every row count
# (the bounded-input meaning) on a streaming engine too; replay_* use 5 s, so rows are late.
s = pb.table("s", S_SCHEMA, event_time="ts", watermark=pb.interval(seconds=60))
s_late = pb.table("s", S_SCHEMA, event_time="ts", watermark=pb.interval(seconds=5))
u = pb.table("u", {"uk": "string", "w": "int64", "uts": "timestamp"})


def _sec(n: int) -> object:
    return pb.interval(seconds=n)


def tumble_aggregate():
    w = s.window_by("ts").tumble(_sec(10))
    return w.aggregate(by="k", n=w.v.count(), total=w.v.sum())


def tumble_offset():
    w = s.window_by("ts").tumble(_sec(10), offset=_sec(3))
    return w.aggregate(n=w.v.count())


def hop_aggregate():
    w = s.window_by("ts").hop(_sec(10), _sec(5))
    return w.aggregate(n=w.v.count(), total=w.v.sum())


def cumulate_aggregate():
    w = s.window_by("ts").cumulate(_sec(5), _sec(20))
    return w.aggregate(n=w.v.count(), total=w.v.sum())


def window_rows():
    w = s.window_by("ts").tumble(_sec(10))
    return w.select("seq", "window_start", "window_end", "window_time")


def session_global():
    w = s.window_by("ts").session(_sec(5))
    return w.aggregate(n=w.v.count(), total=w.v.sum())


def session_per_key():
    w = s.window_by("ts").session(_sec(5), by="k")
    return w.aggregate(by="k", n=w.v.count(), total=w.v.sum())


def session_rows():
    w = s.window_by("ts").session(_sec(5), by="k")
    return w.select("seq", "k", "window_start", "window_end")


def window_top_n():
    w = s.window_by("ts").tumble(_sec(10))
    top = w.top_n(2, order_by=[pb.desc(w.v)])
    return top.select("window_start", "seq", "v")


def window_top_n_per_key():
    w = s.window_by("ts").tumble(_sec(20))
    top = w.top_n(1, order_by=[pb.desc(w.v)], by="k")
    return top.select("window_start", "k", "seq")


def window_dedup_first():
    w = s.window_by("ts").tumble(_sec(20))
    return w.dedup(by="k", keep="first").select("window_start", "k", "seq")


def window_dedup_last():
    w = s.window_by("ts").tumble(_sec(20))
    return w.dedup(by="k", keep="last").select("window_start", "k", "seq")


def window_join():
    left = s.window_by("ts").tumble(_sec(10))
    right = u.window_by("uts").tumble(_sec(10))
    j = left.window_join(right, on=[("k", "uk")])
    return j.select(left.window_start, left.seq, right.w)


def interval_join():
    j = s.interval_join(u, on=[("k", "uk")], left_time="ts", right_time="uts",
                        lower=_sec(2), upper=_sec(3))
    return j.select(s.seq, u.w)


def over_time_range():
    t = s.filter(s.ts.notnull())
    return t.over_time("ts", _sec(10), group_by="k", total=t.v.sum(), n=t.v.count()).select(
        "seq", "total", "n"
    )


def over_row_count():
    t = s.filter(s.ts.notnull())
    return t.over_rows("ts", 2, group_by="k", total=t.v.sum()).select("seq", "total")


def dedup_first():
    t = s.filter(s.ts.notnull())
    return t.dedup(by="k", time="ts", keep="first").select("k", "seq")


def dedup_last():
    t = s.filter(s.ts.notnull())
    return t.dedup(by="k", time="ts", keep="last").select("k", "seq")


def replay_tumble_late():
    w = s_late.window_by("ts", arrival="seq").tumble(_sec(10))
    return w.aggregate(n=w.v.count(), total=w.v.sum())


def replay_hop_late():
    w = s_late.window_by("ts", arrival="seq").hop(_sec(10), _sec(5))
    return w.aggregate(n=w.v.count())


def replay_session_late():
    w = s_late.window_by("ts", arrival="seq").session(_sec(5), by="k")
    return w.aggregate(by="k", n=w.v.count(), total=w.v.sum())
