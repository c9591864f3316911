"""The planbridge demo (``./dev demo``): compile every pipeline, then run each plan on DuckDB.

Each ``examples/pipelines/*.py`` defines ``plan`` (a planbridge pipeline) and usually
``tables()`` returning its input data as pyarrow tables. The demo writes each plan to
``out/<name>.substrait`` (binary) and ``out/<name>.json``, validates it, reloads it from the
file and runs it on DuckDB, printing the result.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import planbridge
from planbridge.cli.compile import plan_of, run_pipeline_file
from planbridge.errors import PlanError
from planbridge.plan import Plan
from planbridge.validate import validate_plan

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def pipeline_files(folder: Path) -> list[Path]:
    """Every pipeline file, in name order (files starting with ``_`` are helpers)."""
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def run_one(path: Path, out: Path, engine: str) -> bool:
    """Compile, write, validate, reload and run one pipeline; True when it all worked."""
    name = path.stem
    print(f"=== {name} ({path.relative_to(ROOT)})")
    try:
        scope = run_pipeline_file(path)
        if "plan" not in scope:
            print(f"  skipped: {path.name} defines no `plan`")
            return False
        plan = plan_of(scope["plan"], "plan", str(path))
        binary, text = out / f"{name}.substrait", out / f"{name}.json"
        plan.save(binary)
        plan.save(text)
        problems = validate_plan(plan)
        if problems:
            for p in problems:
                print(f"  invalid: {p}")
            return False
        print(f"  wrote {_show(binary)} and {text.name}; valid")
        tables = scope["tables"]() if callable(scope.get("tables")) else {}
        result = planbridge.execute(Plan.load(binary), engine=engine, tables=tables)
    except PlanError as exc:
        print(f"  error: {exc}")
        return False
    print(f"  {engine} result ({result.num_rows} rows):")
    print(_format(result))
    return True


def _show(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _format(table, limit: int = 20) -> str:
    rows = table.slice(0, limit).to_pylist()
    cols = table.column_names
    cells = [[str(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = lambda vals: "    " + "  ".join(v.ljust(w) for v, w in zip(vals, widths))  # noqa: E731
    out = [line(cols), line(["-" * w for w in widths])] + [line(r) for r in cells]
    if table.num_rows > limit:
        out.append(f"    ... {table.num_rows - limit} more rows")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", type=Path, default=HERE / "pipelines")
    parser.add_argument("--out", type=Path, default=ROOT / "out")
    parser.add_argument("--engine", default="duckdb", help="duckdb (default) or datafusion")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    files = pipeline_files(args.pipelines)
    if not files:
        print(f"no pipelines in {args.pipelines}")
        return 1
    ok = [run_one(f, args.out.resolve(), args.engine) for f in files]
    print(f"\n{sum(ok)} of {len(ok)} pipelines compiled and ran on {args.engine}")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
