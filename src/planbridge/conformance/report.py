"""The support matrix (Markdown, JSON, HTML) and the regression check against a baseline."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from planbridge.conformance.case import PASS, STATUSES
from planbridge.conformance.html import to_html
from planbridge.conformance.runner import RunOutput

ICON = {
    "pass": "✅",
    "fail": "❌",
    "differs": "≠",
    "unsupported": "⛔",
    "error": "⚠️",
    "crash": "💥",
    "invalid": "∅",
}


def reason_group(reason: str) -> str:
    """A reason with case-specific detail (numbers, paths, quoted names) removed, for grouping."""
    r = re.sub(r"/[\w./-]+", "<path>", " ".join(reason.split()))
    r = re.sub(r"'[^']*'|\"[^\"]*\"", "<name>", r)
    r = re.sub(r"\d+(\.\d+)?", "N", r)
    return r[:160]


def summary(out: RunOutput) -> dict[str, dict[str, dict[str, int]]]:
    """``{source/producer: {engine: {status: count, "total": n}}}``."""
    s: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for r in out.results:
        c = s[f"{r.source}/{r.producer}"][r.engine]
        c[r.status] += 1
        c["total"] += 1
    return {k: {e: dict(c) for e, c in v.items()} for k, v in sorted(s.items())}


def failure_groups(out: RunOutput, limit: int = 40) -> list[tuple[str, str, str, int]]:
    """``(engine, status, reason group, count)`` for every non-pass result, most frequent first."""
    c = Counter(
        (r.engine, r.status, reason_group(r.reason)) for r in out.results if r.status != PASS
    )
    return [(e, s, g, n) for (e, s, g), n in c.most_common(limit)]


def engines_of(out: RunOutput) -> list[str]:
    return sorted({r.engine for r in out.results})


def feature_matrix(out: RunOutput) -> list[dict]:
    """Feature x engine cells: status counts, and the first reason when not all pass."""
    cells = []
    for (feature, producer), per in _by_feature(out).items():
        row: dict = {"feature": feature, "producer": producer, "engines": {}}
        for engine, c in per.items():
            cell: dict = {s: c[s] for s in STATUSES if c.get(s)}
            reason = next((k[7:] for k in c if k.startswith("reason:")), "")
            if reason:
                cell["reason"] = reason
            row["engines"][engine] = cell
        cells.append(row)
    return cells


def to_json(out: RunOutput, notes: list[str] | None = None) -> dict:
    return {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engines": engines_of(out),
        "notes": notes or [],
        "summary": summary(out),
        "matrix": feature_matrix(out),
        "failure_groups": [
            dict(engine=e, status=s, reason=g, count=n) for e, s, g, n in failure_groups(out, 200)
        ],
        "results": [r.to_dict() for r in out.results],
        "disagreements": [
            dict(case=d.case, engines=list(d.engines), diff=d.diff) for d in out.disagreements
        ],
    }


def to_markdown(out: RunOutput, notes: list[str] | None = None) -> str:
    engines = engines_of(out)
    lines = [
        "# planbridge conformance matrix",
        "",
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by "
        "`planbridge conformance`. Statuses: "
        + ", ".join(f"{ICON[s]} {s}" for s in STATUSES)
        + ". See docs/conformance.md.",
        "",
    ]
    lines += [f"> {n}" for n in notes or []]
    lines += [
        "",
        "## Pass counts",
        "",
        "| source / producer | " + " | ".join(engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    rows = dict(summary(out))
    rows["**all**"] = {
        e: dict(Counter(r.status for r in out.results if r.engine == e)) for e in engines
    }
    for e in engines:
        rows["**all**"][e]["total"] = sum(rows["**all**"][e].values())
    for key, per in rows.items():
        cells = []
        for e in engines:
            c = per.get(e, {})
            extra = ", ".join(f"{s} {c[s]}" for s in STATUSES[1:] if c.get(s))
            cells.append(
                f"**{c.get(PASS, 0)}/{c.get('total', 0)}**" + (f" ({extra})" if extra else "")
            )
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Pass counts by area",
        "",
        "| source / area | " + " | ".join(engines) + " |",
        "|---|" + "---|" * len(engines),
    ]
    for key, per in _by_area(out).items():
        lines.append(
            f"| {key} | "
            + " | ".join(f"{per[e][PASS]}/{per[e]['total']}" if per.get(e) else "" for e in engines)
            + " |"
        )
    lines += [
        "",
        "## Failure reasons (grouped)",
        "",
        "| engine | status | reason | cases |",
        "|---|---|---|---|",
    ]
    for e, s, g, n in failure_groups(out):
        lines.append(f"| {e} | {s} | {g.replace('|', '/')} | {n} |")
    if out.disagreements:
        lines += ["", f"## Engines disagree ({len(out.disagreements)} cases)", ""]
        for d in out.disagreements[:30]:
            lines += [
                f"- `{d.case}` {d.engines[0]} vs {d.engines[1]}:",
                "",
                "```",
                d.diff[:800],
                "```",
            ]
    lines += [
        "",
        "## Per feature",
        "",
        "| feature | producer | " + " | ".join(engines) + " |",
        "|---|---|" + "---|" * len(engines),
    ]
    for (feature, producer), per in _by_feature(out).items():
        cells = [_cell(per.get(e, Counter())) for e in engines]
        lines.append(f"| {feature} | {producer} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _by_area(out: RunOutput) -> dict[str, dict[str, Counter]]:
    d: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for r in out.results:
        parts = r.feature.split("/")
        area = "/".join(parts[:1] if r.source == "functions" else parts[:2])
        c = d[f"{r.source}/{area}"][r.engine]
        c[r.status] += 1
        c["total"] += 1
    return dict(sorted(d.items()))


def _by_feature(out: RunOutput) -> dict[tuple[str, str], dict[str, Counter]]:
    d: dict[tuple[str, str], dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    first_reason: dict[tuple[str, str, str], str] = {}
    for r in out.results:
        d[(r.feature, r.producer)][r.engine][r.status] += 1
        if r.status != PASS:
            first_reason.setdefault((r.feature, r.producer, r.engine), r.reason)
    for (f, p, e), reason in first_reason.items():
        d[(f, p)][e]["reason:" + " ".join(reason.split())[:100]] = 1
    return dict(sorted(d.items()))


def _cell(c: Counter) -> str:
    statuses = {s: c[s] for s in STATUSES if c.get(s)}
    total = sum(statuses.values())
    if not total:
        return ""
    if statuses.get(PASS) == total:
        return ICON[PASS] if total == 1 else f"{ICON[PASS]} {total}/{total}"
    reason = next((k[7:] for k in c if k.startswith("reason:")), "")
    head = " ".join(f"{ICON[s]}{n if total > 1 else ''}" for s, n in statuses.items())
    return f"{head} {reason.replace('|', '/')}".strip()


def write_reports(
    out: RunOutput, directory: Path, notes: list[str] | None = None
) -> dict[str, Path]:
    """Write MATRIX.md, matrix.json and matrix.html into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "md": directory / "MATRIX.md",
        "json": directory / "matrix.json",
        "html": directory / "matrix.html",
    }
    paths["md"].write_text(to_markdown(out, notes), encoding="utf-8")
    doc = to_json(out, notes)
    results = doc.pop("results")
    text = json.dumps(doc, indent=1, default=str)[:-2]  # one result per line: small, diffable
    text += (
        ',\n "results": [\n'
        + ",\n".join(
            json.dumps({k: v for k, v in r.items() if v != ""}, default=str, ensure_ascii=False)
            for r in results
        )
        + "\n ]\n}\n"
    )
    paths["json"].write_text(text, encoding="utf-8")
    paths["html"].write_text(to_html(out, notes), encoding="utf-8")
    return paths


def baseline_of(out: RunOutput) -> dict[str, dict[str, str]]:
    """``{engine: {case: status}}`` for writing a baseline file."""
    b: dict[str, dict[str, str]] = defaultdict(dict)
    for r in out.results:
        b[r.engine][r.case] = r.status
    return {e: dict(sorted(v.items())) for e, v in sorted(b.items())}


def regressions(out: RunOutput, baseline: dict[str, dict[str, str]]) -> list[str]:
    """Cases that passed in the baseline and do not pass now (only cases run in both)."""
    bad = []
    for r in out.results:
        if baseline.get(r.engine, {}).get(r.case) == PASS and r.status != PASS:
            bad.append(f"{r.engine}: {r.case}: now {r.status}: {r.reason}")
    return bad
