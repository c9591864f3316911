"""``planbridge conformance``: run the conformance suite and write the support matrix."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import click


def _conformance_dir() -> Path:
    from planbridge.conformance.case import project_root

    return project_root() / "conformance"


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable]:
    """A progress bar on a terminal; otherwise a plain line every 10% (logs, CI)."""
    if sys.stderr.isatty():
        with click.progressbar(
            length=total,
            label="conformance",
            file=sys.stderr,
            item_show_func=lambda c: c.id[-40:] if c else "",
        ) as bar:
            yield lambda case: bar.update(1, case)
        return
    done = 0
    step = max(1, total // 10)
    start = time.perf_counter()

    def tick(case) -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            click.echo(
                f"conformance: {done}/{total} cases ({100 * done // total}%) "
                f"{time.perf_counter() - start:.0f} s, last {case.id}",
                err=True,
            )

    yield tick


def _sources(text: str, option: str) -> tuple[str, ...]:
    from planbridge.conformance import SOURCES

    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise click.UsageError(
            f"{option}: unknown {', '.join(unknown)}; choose from {', '.join(SOURCES)}"
        )
    return chosen


@click.command("conformance")
@click.option(
    "--engine",
    "engines",
    default="duckdb,datafusion",
    show_default=True,
    help="Comma-separated engines: duckdb, datafusion, flink, datafusion-native (DataFusion's "
    "own consumer, a yardstick) or module:factory for your own adapter; ENGINE@SOURCE+SOURCE "
    "runs that engine on those sources only (flink@cases).",
)
@click.option(
    "--filter",
    "filters",
    multiple=True,
    help="Run cases whose id contains this text (glob with * ?); repeatable.",
)
@click.option(
    "--source",
    "sources",
    default="cases,interop,functions",
    show_default=True,
    help="Case sources to include.",
)
@click.option(
    "--cases",
    "cases_dir",
    type=click.Path(path_type=Path),
    help="Your own cases directory (default: conformance/cases).",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    help="Where to write MATRIX.md, matrix.json, matrix.html (default: conformance/).",
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    show_default="conformance/baseline.json",
    help="Baseline of statuses; a case passing there and not now is a regression.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Record this run's statuses in the baseline (merged: cases and engines not run keep "
    "theirs).",
)
@click.option("--list", "list_only", is_flag=True, help="List the selected cases and exit.")
def conformance(
    engines: str,
    filters: tuple[str, ...],
    sources: str,
    cases_dir: Path | None,
    report_dir: Path | None,
    baseline: Path | None,
    update_baseline: bool,
    list_only: bool,
) -> None:
    """Run the conformance suite: local cases, the interop corpus in ../shared/interop and
    the Substrait function tests, on each engine; write the support matrix; exit 1 on a
    regression against the baseline.
    """
    from planbridge.conformance import default_sources, load_adapter
    from planbridge.conformance.report import baseline_of, regressions, write_reports
    from planbridge.conformance.runner import RunOutput, run, select

    chosen = _sources(sources, "--source")
    adapters = []
    only: dict[str, tuple[str, ...]] = {}
    if not list_only:
        try:
            for spec in (e.strip() for e in engines.split(",") if e.strip()):
                name, _, limit = spec.partition("@")
                adapters.append(load_adapter(name))
                if limit:
                    only[adapters[-1].name] = _sources(limit.replace("+", ","), "--engine")
        except (ImportError, AttributeError, TypeError) as exc:
            raise click.UsageError(f"--engine: {exc}") from None
    srcs = default_sources(cases_dir, chosen)
    notes = []
    cases = []
    for src in srcs:
        missing = src.available()
        if missing:
            click.echo(f"note: {missing}", err=True)
            notes.append(missing)
        cases += src.cases()
        if getattr(src, "not_translated", 0):
            notes.append(
                f"{src.not_translated} function test cases (multi-argument aggregates, "
                "window functions) are not yet translated into plans"
            )
    cases = select(cases, [f for f in filters if f])
    if list_only:
        for c in cases:
            click.echo(c.id)
        return
    click.echo(f"{len(cases)} cases on {', '.join(a.name for a in adapters)}", err=True)
    start = time.perf_counter()
    with _progress(len(cases)) as tick:
        out: RunOutput = run(cases, adapters, progress=tick, only=only)
    elapsed = time.perf_counter() - start
    paths = write_reports(out, report_dir or _conformance_dir(), notes)
    baseline = baseline or _conformance_dir() / "baseline.json"
    per = Counter((r.engine, r.status) for r in out.results)
    for a in adapters:
        counts = {s: n for (e, s), n in per.items() if e == a.name}
        total = sum(counts.values())
        detail = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()) if s != "pass")
        click.echo(f"{a.name}: {counts.get('pass', 0)}/{total} pass ({detail})")
    if out.disagreements:
        cases_dis = len({d.case for d in out.disagreements})
        click.echo(f"engines disagree on {cases_dis} cases (row diffs in the matrix)")
    click.echo(f"{len(cases)} cases in {elapsed:.1f} s")
    click.echo(f"matrix: {paths['md']} {paths['json']} {paths['html']}")
    if update_baseline:
        merged = json.loads(baseline.read_text(encoding="utf-8")) if baseline.exists() else {}
        for engine, statuses in baseline_of(out).items():
            merged.setdefault(engine, {}).update(statuses)
        merged = {e: dict(sorted(v.items())) for e, v in sorted(merged.items())}
        baseline.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")
        click.echo(f"baseline written: {baseline}")
        return
    if baseline.exists():
        bad = regressions(out, json.loads(baseline.read_text(encoding="utf-8")))
        if bad:
            click.echo(f"{len(bad)} regressions against {baseline}:", err=True)
            for line in bad[:50]:
                click.echo(f"  {line}", err=True)
            sys.exit(1)
