"""Session windows over a replayed stream (a ``WindowTableFunction`` with a ``Replay``) as
one recursive SQL query: the sequential merge Flink does, which no standard relation says.

Each key's rows are folded in arrival order, every key one step at a time: step ``n``
takes each key's ``n``-th row. The working table holds, per key, the member rows of its
live sessions with their current extent ``[s, e)``, plus the newest row (``rn = n``, the
key's cursor, kept even when it was dropped). At a step, with the arriving row's
watermark ``wm`` (computed before the recursion: the max event time of every earlier
arrival, all keys, minus the delay), a live session with ``e - 1 ms <= wm`` fires (its
rows leave with their final extent, state 1); the new row's window ``[t, t + gap)``
merges the live sessions it overlaps or touches (their rows take the merged extent) or,
when it merges none and ``t + gap - 1 ms <= wm``, is late (state 2, dropped). After a
key's last row every live row fires. See docs/streaming-semantics.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.sql.frame import Frame, aliased, col_name, column, subquery
from planbridge.streaming import relations as R

if TYPE_CHECKING:
    from planbridge.engines.sql.translator import SqlTranslator

LIVE, FIRED, DROPPED = 0, 1, 2
# The fold's columns: key group, row number in the key, step, key's row count, extent, state
_STATE = ("_pb_g", "_pb_rn", "_pb_n", "_pb_cnt", "_pb_s", "_pb_e", "_pb_st")


def replayed_session(r: ir.Extension) -> R.WindowTVF | None:
    """The decoded detail when ``r`` is a session window with a Replay, else None."""
    from planbridge import streaming

    if not streaming.is_streaming(r.detail):
        return None
    d = streaming.describe(r)
    return d if R.is_replayed_session(d) else None


def _n(v: int) -> exp.Literal:
    return exp.Literal.number(v)


def _ref(table: str, name: str) -> exp.Column:
    return column(table, name)


def _case(cond: exp.Expression, then: exp.Expression, other: exp.Expression) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=cond, true=then)], default=other)


def _eq(a: exp.Expression, b: exp.Expression) -> exp.EQ:
    return exp.EQ(this=a, expression=b)


def _le(a: exp.Expression, b: exp.Expression) -> exp.LTE:
    return exp.LTE(this=a, expression=b)


def _add(a: exp.Expression, v: int) -> exp.Expression:
    return exp.Paren(this=exp.Add(this=a, expression=_n(v)))


def _sub(a: exp.Expression, v: int) -> exp.Expression:
    return exp.Paren(this=exp.Sub(this=a, expression=_n(v)))


def _over(
    fn: exp.Expression,
    partition: list[exp.Expression] | None = None,
    order: list[exp.Expression] | None = None,
    spec: exp.WindowSpec | None = None,
) -> exp.Window:
    w = exp.Window(this=fn, partition_by=partition or None)
    if order:
        w.set("order", exp.Order(expressions=[exp.Ordered(this=o) for o in order]))
    if spec is not None:
        w.set("spec", spec)
    return w


def _passed(end: exp.Expression, wm: exp.Expression, lag: int) -> exp.Expression:
    """The watermark has passed the last instant (``end - 1 ms``) of a window."""
    return exp.and_(exp.Not(this=exp.Is(this=wm, expression=exp.null())), _le(_sub(end, lag), wm))


def _floor(x: exp.Expression, m: int) -> exp.Expression:
    """``x`` rounded down to a multiple of ``m`` (also below zero)."""
    if m == 1:
        return x
    mod = exp.Mod(
        this=exp.Paren(this=exp.Add(this=exp.Mod(this=x, expression=_n(m)), expression=_n(m))),
        expression=_n(m),
    )
    return exp.Paren(this=exp.Sub(this=x.copy(), expression=exp.Paren(this=mod)))


def _select(*cols: tuple[exp.Expression, str]) -> exp.Select:
    return exp.Select(expressions=[aliased(e, name) for e, name in cols])


def session_replay(tr: SqlTranslator, r: ir.Extension, d: R.WindowTVF) -> Frame:
    """The rows of ``r``'s input that the replay keeps, with window_start / window_end /
    window_time of their final session (as bounded sessions: in the time column's type)."""
    assert d.replay is not None
    (inp_rel,) = r.inputs()
    inp = tr.rel(inp_rel)
    width = len(inp_rel.schema)
    t_type = inp_rel.schema[d.time_column].type
    p = R.precision(t_type)
    gap, lag = R.to_units(d.gap_micros, p), R.to_units(R.WINDOW_TIME_LAG_MICROS, p)
    delay = R.to_units(d.replay.watermark_delay_micros, p)
    rows, fold = f"{tr.alias()}_rows", f"{tr.alias()}_fold"  # unique: a plan may have two
    numbered = _rows(tr, inp, d, width, p, delay)
    folded = exp.union(_seed(rows, gap, lag), _step(rows, fold, gap, lag), distinct=False)
    out = _output(tr, r, (rows, fold), width, t_type, lag)
    out = out.with_(exp.to_identifier(rows, quoted=True), as_=numbered, copy=False)
    out = out.with_(
        exp.TableAlias(
            this=exp.to_identifier(fold, quoted=True),
            columns=[exp.to_identifier(c, quoted=True) for c in _STATE],
        ),
        as_=folded,
        recursive=True,
        copy=False,
    )
    return Frame(out, width + 3)


def _rows(
    tr: SqlTranslator, inp: Frame, d: R.WindowTVF, width: int, p: int, delay: int
) -> exp.Select:
    """The input rows with a time, numbered: ``_pb_t`` the time in whole units rounded down
    to the millisecond (Flink's times are milliseconds), ``_pb_wm`` the watermark when the
    row arrives, ``_pb_g`` its key's group, ``_pb_rn`` its arrival rank in the key,
    ``_pb_cnt`` the key's row count."""
    assert d.replay is not None
    src, r = tr.alias(), "_pb_r"
    time = _ref(src, col_name(d.time_column))
    units = tr.timestamp_to_units(time, p)
    timed = exp.Select(
        expressions=[
            *(aliased(_ref(src, col_name(i)), col_name(i)) for i in range(width)),
            aliased(_floor(units, 10 ** (p - 3)) if p > 3 else units, "_pb_t"),
        ]
    )
    timed = timed.from_(subquery(inp.plain(tr.alias()), src), copy=False)
    timed = timed.where(exp.Not(this=exp.Is(this=time.copy(), expression=exp.null())), copy=False)
    t = _ref(r, "_pb_t")
    arrival = [_ref(r, col_name(d.replay.arrival_column)), t]
    keys = [_ref(r, col_name(k)) for k in d.partition_keys]
    before = exp.WindowSpec(
        kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end=_n(1), end_side="PRECEDING"
    )
    seen = _over(exp.Max(this=t.copy()), order=[a.copy() for a in arrival], spec=before)
    group = _over(exp.Anonymous(this="dense_rank"), order=keys) if keys else _n(1)
    rank = _over(exp.Anonymous(this="row_number"), [k.copy() for k in keys], arrival)
    rows = exp.Select(
        expressions=[
            _all(r),
            aliased(_sub(seen, delay) if delay else seen, "_pb_wm"),
            aliased(group, "_pb_g"),
            aliased(rank, "_pb_rn"),
            aliased(_over(exp.Count(this=exp.Star()), [k.copy() for k in keys]), "_pb_cnt"),
        ]
    )
    return rows.from_(subquery(timed, r), copy=False)


def _table(name: str, alias: str) -> exp.Table:
    return exp.Table(
        this=exp.to_identifier(name, quoted=True),
        alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
    )


def _seed(rows: str, gap: int, lag: int) -> exp.Select:
    """Every key's first row: live, or dropped when already late."""
    x = "_pb_x"
    t = _ref(x, "_pb_t")
    late = _passed(_add(t.copy(), gap), _ref(x, "_pb_wm"), lag)
    sel = _select(
        (_ref(x, "_pb_g"), "_pb_g"),
        (_ref(x, "_pb_rn"), "_pb_rn"),
        (_ref(x, "_pb_rn"), "_pb_n"),
        (_ref(x, "_pb_cnt"), "_pb_cnt"),
        (t, "_pb_s"),
        (_add(t.copy(), gap), "_pb_e"),
        (_case(late, _n(DROPPED), _n(LIVE)), "_pb_st"),
    )
    sel = sel.from_(_table(rows, x), copy=False)
    return sel.where(_eq(_ref(x, "_pb_rn"), _n(1)), copy=False)


def _all(table: str) -> exp.Column:
    return exp.Column(this=exp.Star(), table=exp.to_identifier(table, quoted=True))


def _flag(cond: exp.Expression) -> exp.Case:
    return _case(cond, _n(1), _n(0))


def _step(rows: str, fold: str, gap: int, lag: int) -> exp.Select:
    """One step: each key's live rows and cursor meet the key's next row ``x``."""
    w, x, o, p, q, d = "_pb_w", "_pb_x", "_pb_o", "_pb_p", "_pb_q", "_pb_d"
    meet = _select(
        *((_ref(w, c), c) for c in _STATE),
        (_ref(x, "_pb_rn"), "_pb_xrn"),
        (_ref(x, "_pb_t"), "_pb_xt"),
        (_ref(x, "_pb_wm"), "_pb_xwm"),
        (
            _flag(
                exp.and_(
                    _eq(_ref(w, "_pb_st"), _n(LIVE)),
                    _passed(_ref(w, "_pb_e"), _ref(x, "_pb_wm"), lag),
                )
            ),
            "_pb_fired",
        ),
    )
    on = exp.and_(
        _eq(_ref(x, "_pb_g"), _ref(w, "_pb_g")),
        _eq(_ref(x, "_pb_rn"), _add(_ref(w, "_pb_n"), 1)),
    )
    meet = meet.from_(_table(fold, w), copy=False)
    meet = meet.join(_table(rows, x), on=on, copy=False)
    meet = meet.where(exp.NEQ(this=_ref(w, "_pb_st"), expression=_n(FIRED)), copy=False)
    # hit: a live session the new window [xt, xt + gap) overlaps or touches
    xt = _ref(o, "_pb_xt")
    hit = exp.and_(
        _eq(_ref(o, "_pb_st"), _n(LIVE)),
        _eq(_ref(o, "_pb_fired"), _n(0)),
        _le(_ref(o, "_pb_s"), _add(xt, gap)),
        exp.GTE(this=_ref(o, "_pb_e"), expression=xt.copy()),
    )
    hits = exp.Select(expressions=[_all(o), aliased(_flag(hit), "_pb_hit")])
    hits = hits.from_(subquery(meet, o), copy=False)
    # the merged extent: the new window and every session it hits, per key
    key = [_ref(p, "_pb_g")]
    is_hit = _eq(_ref(p, "_pb_hit"), _n(1))
    lo = _over(exp.Min(this=_case(is_hit, _ref(p, "_pb_s"), exp.null())), key)
    hi = _over(exp.Max(this=_case(is_hit.copy(), _ref(p, "_pb_e"), exp.null())), key)
    pt, pend = _ref(p, "_pb_xt"), _add(_ref(p, "_pb_xt"), gap)
    merged = exp.Select(
        expressions=[
            _all(p),
            aliased(_over(exp.Max(this=_ref(p, "_pb_hit")), [k.copy() for k in key]), "_pb_any"),
            aliased(_case(exp.LT(this=lo, expression=pt), lo.copy(), pt.copy()), "_pb_ns"),
            aliased(_case(exp.GT(this=hi, expression=pend), hi.copy(), pend.copy()), "_pb_ne"),
        ]
    ).from_(subquery(hits, p), copy=False)
    # each row goes on (nw = 0); the cursor also brings in the new row (nw = 1)
    nw = _eq(_ref(d, "_pb_nw"), _n(1))
    moved = exp.or_(nw, _eq(_ref(q, "_pb_hit"), _n(1)))
    late = exp.and_(
        _eq(_ref(q, "_pb_any"), _n(0)),
        _passed(_add(_ref(q, "_pb_xt"), gap), _ref(q, "_pb_xwm"), lag),
    )
    step = _select(
        (_ref(q, "_pb_g"), "_pb_g"),
        (_case(nw.copy(), _ref(q, "_pb_xrn"), _ref(q, "_pb_rn")), "_pb_rn"),
        (_ref(q, "_pb_xrn"), "_pb_n"),
        (_ref(q, "_pb_cnt"), "_pb_cnt"),
        (_case(moved, _ref(q, "_pb_ns"), _ref(q, "_pb_s")), "_pb_s"),
        (_case(moved.copy(), _ref(q, "_pb_ne"), _ref(q, "_pb_e")), "_pb_e"),
        (
            _case(nw.copy(), _case(late, _n(DROPPED), _n(LIVE)), _ref(q, "_pb_fired")),
            "_pb_st",
        ),
    )
    both = exp.Values(
        expressions=[exp.Tuple(expressions=[_n(0)]), exp.Tuple(expressions=[_n(1)])],
        alias=exp.TableAlias(
            this=exp.to_identifier(d, quoted=True),
            columns=[exp.to_identifier("_pb_nw", quoted=True)],
        ),
    )
    step = step.from_(subquery(merged, q), copy=False)
    step = step.join(both, join_type="CROSS", copy=False)
    goes_on = exp.and_(_eq(_ref(d, "_pb_nw"), _n(0)), _eq(_ref(q, "_pb_st"), _n(LIVE)))
    brings = exp.and_(nw.copy(), _eq(_ref(q, "_pb_rn"), _ref(q, "_pb_n")))
    return step.where(exp.or_(goes_on, brings), copy=False)


def _output(
    tr: SqlTranslator,
    r: ir.Extension,
    names: tuple[str, str],
    width: int,
    t_type: ir.Type,
    lag: int,
) -> exp.Select:
    """Each kept row with its final session: fired, or live after the key's last row."""
    rows, fold = names
    f, x = "_pb_f", "_pb_x"
    p, tz = R.precision(t_type), T.kind(t_type) == "precision_timestamp_tz"
    end = _ref(f, "_pb_e")
    values: list[exp.Expression] = [_ref(x, col_name(i)) for i in range(width)]
    values += [
        tr.units_to_timestamp(_ref(f, "_pb_s"), p, tz),
        tr.units_to_timestamp(end, p, tz),
        tr.units_to_timestamp(_sub(end.copy(), lag), p, tz),
    ]
    sel = exp.Select(expressions=tr.passthrough(r, values))
    sel = sel.from_(_table(fold, f), copy=False)
    on = exp.and_(
        _eq(_ref(x, "_pb_g"), _ref(f, "_pb_g")), _eq(_ref(x, "_pb_rn"), _ref(f, "_pb_rn"))
    )
    sel = sel.join(_table(rows, x), on=on, copy=False)
    last = exp.and_(_eq(_ref(f, "_pb_st"), _n(LIVE)), _eq(_ref(f, "_pb_n"), _ref(f, "_pb_cnt")))
    return sel.where(exp.or_(_eq(_ref(f, "_pb_st"), _n(FIRED)), last), copy=False)
