"""Exact ``round(x, s)`` for floating-point ``x``, as SQL arithmetic on doubles.

``round(x * 10^s) / 10^s`` is wrong when the product rounds onto a tie: 59869.35 is really
59869.34999999999854.., ``x * 10`` rounds to 598693.5 and the naive method gives 59869.4.
Here the product's rounding error is recovered exactly (an error-free product with
Veltkamp/Dekker splitting; for ``s < 0`` the exact remainder of the division), and only its
sign is needed: it decides which side of a computed tie the true value lies on. The rounded
integer ``r`` is then scaled back with one correctly rounded operation, so the result is the
double nearest to the exact decimal ``r * 10^-s`` (what a decimal reference computes).

Exact for ``|x * 10^s| < 2^52`` and ``|s| <= 22`` (where ``10^|s|`` is a double); beyond
``2^52`` every double is already an integer at that scale and ``x`` is returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlglot.expressions as exp

SPLITTER = 134217729.0  # 2^27 + 1
MAX_EXACT_SCALE = 22
_TWO_52 = 4503599627370496.0

#: Substrait ``rounding`` option values this formulation implements.
MODES = (
    "TIE_TO_EVEN",
    "TIE_AWAY_FROM_ZERO",
    "TRUNCATE",
    "CEILING",
    "FLOOR",
    "AWAY_FROM_ZERO",
    "TIE_DOWN",
    "TIE_UP",
    "TIE_TO_ODD",
)


def _num(v: float) -> exp.Expression:
    lit = exp.Literal.number(repr(float(v)))
    return exp.Neg(this=exp.Literal.number(repr(-v))) if v < 0 else lit


def _split(v: float) -> tuple[float, float]:
    """Veltkamp split of a constant (done here, in Python doubles)."""
    c = SPLITTER * v
    hi = c - (c - v)
    return hi, v - hi


def _p(e: exp.Expression) -> exp.Expression:
    return exp.Paren(this=e)


def _add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _p(exp.Add(this=a, expression=b))


def _sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _p(exp.Sub(this=a, expression=b))


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return _p(exp.Mul(this=a, expression=b))


def _two_product_error(
    x: Callable[[], exp.Expression], s: float, p: exp.Expression
) -> exp.Expression:
    """``x * s - p`` exactly, where ``p = fl(x * s)`` (Dekker's two-product)."""
    c = lambda: _mul(x(), _num(SPLITTER))  # noqa: E731
    xh = lambda: _sub(c(), _sub(c(), x()))  # noqa: E731
    xl = lambda: _sub(x(), xh())  # noqa: E731
    sh, sl = _split(s)
    err = _sub(_mul(xh(), _num(sh)), p.copy())
    err = _add(err, _mul(xh(), _num(sl)))
    err = _add(err, _mul(xl(), _num(sh)))
    return _add(err, _mul(xl(), _num(sl)))


def exact_round(x: exp.Expression, scale: int, mode: str = "TIE_AWAY_FROM_ZERO") -> exp.Expression:
    """``x`` (a DOUBLE expression) rounded to ``scale`` decimal places under ``mode``."""
    if abs(scale) > MAX_EXACT_SCALE or mode not in MODES:
        raise ValueError(f"exact rounding needs |scale| <= {MAX_EXACT_SCALE} and a known mode")
    xv = lambda: x.copy()  # noqa: E731
    s = float(10 ** abs(scale))
    if scale >= 0:
        p = lambda: _mul(xv(), _num(s))  # noqa: E731  fl(x * s)
        err = _two_product_error(xv, s, p())  # x*s - p
    else:
        p = lambda: _p(exp.Div(this=xv(), expression=_num(s)))  # noqa: E731  fl(x / s)
        # x - p*s exactly: p*s = hi + lo with both parts exact, and x - hi is exact.
        hi = _mul(p(), _num(s))
        lo = _two_product_error(p, s, hi.copy())
        err = _sub(_sub(xv(), hi), lo)  # has the sign of x/s - p
    f = lambda: exp.Floor(this=p())  # noqa: E731
    g = lambda: _sub(_sub(p(), f()), _num(0.5))  # noqa: E731  p - floor(p) - 0.5, exact
    zero = _num(0.0)
    above = exp.or_(
        exp.GT(this=g(), expression=zero),
        exp.and_(exp.EQ(this=g(), expression=zero), exp.GT(this=err.copy(), expression=zero)),
    )
    below = exp.or_(
        exp.LT(this=g(), expression=zero),
        exp.and_(exp.EQ(this=g(), expression=zero), exp.LT(this=err.copy(), expression=zero)),
    )
    up = lambda: _add(f(), _num(1.0))  # noqa: E731
    is_int = exp.and_(
        exp.EQ(this=_sub(p(), f()), expression=zero), exp.EQ(this=err.copy(), expression=zero)
    )
    # floor and ceiling of the exact value x*10^s (frac(p) = 0 but err < 0: one lower)
    exact_floor = exp.Case(
        ifs=[
            exp.If(
                this=exp.and_(
                    exp.EQ(this=_sub(p(), f()), expression=zero),
                    exp.LT(this=err.copy(), expression=zero),
                ),
                true=_sub(f(), _num(1.0)),
            )
        ],
        default=f(),
    )
    exact_ceil = exp.Case(
        ifs=[exp.If(this=is_int.copy(), true=exact_floor.copy())],
        default=_add(exact_floor.copy(), _num(1.0)),
    )
    positive = exp.GT(this=p(), expression=zero)
    even = exp.EQ(
        this=exp.Mod(this=f(), expression=_num(2.0)),
        expression=zero,
    )
    tie = {
        "TIE_TO_EVEN": exp.Case(ifs=[exp.If(this=even, true=f())], default=up()),
        "TIE_TO_ODD": exp.Case(ifs=[exp.If(this=even, true=up())], default=f()),
        "TIE_AWAY_FROM_ZERO": exp.Case(ifs=[exp.If(this=positive, true=up())], default=f()),
        "TIE_UP": up(),
        "TIE_DOWN": f(),
    }
    if mode in tie:
        r: exp.Expression = exp.Case(
            ifs=[exp.If(this=above, true=up()), exp.If(this=below, true=f())],
            default=tie[mode],
        )
    elif mode == "FLOOR":
        r = exact_floor
    elif mode == "CEILING":
        r = exact_ceil
    elif mode == "TRUNCATE":
        r = exp.Case(ifs=[exp.If(this=positive.copy(), true=exact_floor)], default=exact_ceil)
    else:  # AWAY_FROM_ZERO
        r = exp.Case(ifs=[exp.If(this=positive.copy(), true=exact_ceil)], default=exact_floor)
    scaled = (
        exp.Div(this=_p(r), expression=_num(s))
        if scale >= 0
        else exp.Mul(this=_p(r), expression=_num(s))
    )
    # Not finite, or no fraction left at this scale: x itself (NaN compares as largest).
    keep = exp.or_(
        exp.Not(this=exp.LT(this=exp.Abs(this=p()), expression=_num(_TWO_52))),
        exp.Is(this=xv(), expression=exp.null()),
    )
    return exp.Case(ifs=[exp.If(this=keep, true=xv())], default=scaled)
