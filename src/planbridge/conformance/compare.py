"""Result comparison: by column position, numeric-type agnostic, with a float tolerance.

Rules (see docs/conformance.md):

* columns are compared by position; names are ignored (producers name outputs freely);
* decimals, integers and floats compare as numbers: equal when ``|a-b| <= rel_tol*max(|a|,|b|)``
  (default 1e-9), or when a side is a decimal of scale s and ``|a-b| <= 10**-s`` (one unit in
  its last place: a decimal result is only as exact as its declared scale), or both are NaN;
  booleans only equal booleans;
* ``string``/``large_string``/``string_view`` all compare as text; nulls equal nulls;
* rows are compared in order only when the expectation is ordered (the SQL has a top-level
  ORDER BY); otherwise both sides are sorted first.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass

import pyarrow as pa

BIG = 100_000  # above this many rows a row-count mismatch is reported without a row diff


@dataclass
class Comparison:
    """``ok`` and, when not, a short reason plus up to a few differing rows per side."""

    ok: bool
    reason: str = ""
    only_expected: list[tuple] | None = None
    only_actual: list[tuple] | None = None


def _norm(v: object) -> object:
    if isinstance(v, decimal.Decimal):
        return v  # keeps its scale: see values_equal
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return float(v) if abs(v) < 2**53 else v
    if isinstance(v, bytes):
        return v
    return v


def rows(table: pa.Table) -> list[tuple]:
    """The table's rows as tuples of normalized Python values."""
    cols = []
    for col in table.columns:
        if str(col.type) == "string_view":
            col = col.cast(pa.string())
        cols.append([_norm(v) for v in col.to_pylist()])
    return list(zip(*cols, strict=True)) if cols else [() for _ in range(table.num_rows)]


def _key(row: tuple) -> tuple:
    out = []
    for v in row:
        if v is None:
            out.append((0, ""))
        elif isinstance(v, float):
            out.append((1, "nan") if math.isnan(v) else (1, v))
        elif isinstance(v, (int, bool, decimal.Decimal)):
            out.append((1, float(v)))
        else:
            out.append((2, str(v)))
    return tuple(
        (k, (0.0 if isinstance(x, str) else x), (x if isinstance(x, str) else "")) for k, x in out
    )


def values_equal(a: object, b: object, rel_tol: float = 1e-9) -> bool:
    """Equality under the rules above (one value each side)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    num = (int, float, decimal.Decimal)
    if isinstance(a, num) and isinstance(b, num):
        fa, fb = float(a), float(b)
        ulp = max(
            (
                10.0 ** x.as_tuple().exponent
                for x in (a, b)
                if isinstance(x, decimal.Decimal) and x.is_finite()
            ),
            default=0.0,
        )
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        if math.isinf(fa) or math.isinf(fb):
            return fa == fb
        diff = abs(fa - fb)
        return (
            a == b
            or diff <= rel_tol * max(abs(fa), abs(fb))
            or diff <= ulp * (1 + 1e-9)
            or diff < 1e-300
        )
    return a == b


def _row_equal(r1: tuple, r2: tuple, rel_tol: float) -> bool:
    return len(r1) == len(r2) and all(
        values_equal(a, b, rel_tol) for a, b in zip(r1, r2, strict=True)
    )


def compare_tables(
    expected: pa.Table,
    actual: pa.Table,
    *,
    ordered: bool = False,
    rel_tol: float = 1e-9,
    max_diff: int = 5,
) -> Comparison:
    """Compare two tables under the module's rules."""
    if expected.num_columns != actual.num_columns:
        return Comparison(False, f"{actual.num_columns} columns, expected {expected.num_columns}")
    if expected.num_rows == actual.num_rows and _fast_equal(expected, actual, ordered):
        return Comparison(True)
    if expected.num_rows != actual.num_rows and max(expected.num_rows, actual.num_rows) > BIG:
        return Comparison(False, f"{actual.num_rows} rows, expected {expected.num_rows}", [], [])
    er, ar = rows(expected), rows(actual)
    if len(er) != len(ar):
        reason = f"{len(ar)} rows, expected {len(er)}"
    else:
        reason = ""
    if not ordered:
        er, ar = sorted(er, key=_key), sorted(ar, key=_key)
    bad = [i for i, (a, b) in enumerate(zip(er, ar, strict=False)) if not _row_equal(a, b, rel_tol)]
    if not reason and not bad:
        return Comparison(True)
    if not reason:
        if ordered:
            s1, s2 = sorted(er, key=_key), sorted(ar, key=_key)
            if all(_row_equal(a, b, rel_tol) for a, b in zip(s1, s2, strict=True)):
                return Comparison(False, "same rows, different order", [], [])
        reason = f"{len(bad)} of {len(er)} rows differ"
    only_e, only_a = _diff(er, ar, rel_tol, max_diff)
    return Comparison(False, reason, only_e, only_a)


def _diff(er: list[tuple], ar: list[tuple], rel_tol: float, limit: int) -> tuple[list, list]:
    """Rows only on one side (a merge over both sides sorted), first ``limit`` each."""
    er, ar = sorted(er, key=_key), sorted(ar, key=_key)
    only_e: list[tuple] = []
    only_a: list[tuple] = []
    i = j = 0
    while i < len(er) and j < len(ar) and (len(only_e) < limit or len(only_a) < limit):
        if _row_equal(er[i], ar[j], rel_tol):
            i, j = i + 1, j + 1
        elif _key(er[i]) < _key(ar[j]):
            only_e.append(er[i])
            i += 1
        else:
            only_a.append(ar[j])
            j += 1
    only_e += er[i : i + max(0, limit - len(only_e))] if j >= len(ar) else []
    only_a += ar[j : j + max(0, limit - len(only_a))] if i >= len(er) else []
    return only_e[:limit], only_a[:limit]


def _fast_equal(expected: pa.Table, actual: pa.Table, ordered: bool) -> bool:
    """Exact Arrow equality after casting to the expected types (the common case)."""
    for fe, fa in zip(expected.schema, actual.schema, strict=True):
        same = (
            fe.type == fa.type
            or (pa.types.is_integer(fe.type) and pa.types.is_integer(fa.type))
            or (
                pa.types.is_decimal(fe.type)
                and pa.types.is_decimal(fa.type)
                and fe.type.scale == fa.type.scale
            )
            or ({str(fe.type), str(fa.type)} <= {"string", "large_string", "string_view"})
        )
        if not same:
            return False
    try:
        a = actual.rename_columns(expected.column_names).cast(expected.schema)
        e = expected
        if not ordered:
            keys = [(n, "ascending") for n in e.column_names]
            e, a = e.sort_by(keys), a.sort_by(keys)
        return e.equals(a)
    except Exception:
        return False


def format_diff(cmp: Comparison, left: str = "expected", right: str = "actual") -> str:
    """A readable row-level diff (``-`` only in left, ``+`` only in right)."""
    lines = [cmp.reason]
    lines += [f"- {left}: {r!r}" for r in cmp.only_expected or []]
    lines += [f"+ {right}: {r!r}" for r in cmp.only_actual or []]
    return "\n".join(lines)


def sql_is_ordered(sql: str) -> bool:
    """True when the query has an ORDER BY outside parentheses (so row order is defined)."""
    depth = 0
    text = sql.lower()
    i = 0
    in_str = False
    while i < len(text):
        c = text[i]
        if c == "'":
            in_str = not in_str
        elif not in_str:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif (
                depth == 0 and text.startswith("order", i) and (i == 0 or not text[i - 1].isalnum())
            ):
                rest = text[i + 5 :].lstrip()
                if rest.startswith("by"):
                    return True
        i += 1
    return False
