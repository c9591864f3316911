"""``planbridge compile``: run a Python pipeline file and write the plan it defines.

Convention: the file assigns its pipeline to a module-level variable named ``plan`` (a
planbridge Table, a ``planbridge.Plan`` or a ``substrait.plan_pb2.Plan``); ``--var``
picks another name. The file runs as a script whose ``__name__`` is ``"__planbridge__"``.
"""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

import click
from substrait import plan_pb2

from planbridge.cli.common import EXIT_INVALID, EXIT_UNREADABLE, report_errors
from planbridge.errors import PlanBuildError, PlanError
from planbridge.plan import Plan

RUN_NAME = "__planbridge__"


class CompileInputError(PlanError):
    """The pipeline file could not be run (missing, a syntax error, an exception)."""


def _where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the deepest frame inside the pipeline file, if any."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path
    ]
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{path.name}:{exc.lineno}"
    return f"{path.name}:{frames[-1].lineno}" if frames else path.name


def run_pipeline_file(path: str | Path, var: str = "plan") -> dict[str, Any]:
    """Execute a pipeline file and return its globals (errors are PlanErrors)."""
    p = Path(path).resolve()
    if not p.is_file():
        raise CompileInputError(f"{path}: no such file")
    sys.path.insert(0, str(p.parent))
    try:
        return runpy.run_path(str(p), run_name=RUN_NAME)
    except PlanError as exc:
        raise type(exc)(f"{_where(exc, p)}: {exc.reason}", exc.path) from None
    except SystemExit as exc:
        raise CompileInputError(f"{path} called exit({exc.code})") from None
    except BaseException as exc:  # the file is user code: report, never a traceback
        raise CompileInputError(f"{_where(exc, p)}: {type(exc).__name__}: {exc}") from None
    finally:
        try:
            sys.path.remove(str(p.parent))
        except ValueError:
            pass


def plan_of(value: Any, var: str, source: str) -> Plan:
    """The Plan a pipeline file's variable holds."""
    if isinstance(value, Plan):
        return value
    if isinstance(value, plan_pb2.Plan):
        return Plan(value)
    to_substrait = getattr(value, "to_substrait", None)
    if callable(to_substrait):
        return to_substrait()
    raise PlanBuildError(
        f"{source}: variable {var!r} is a {type(value).__name__}; it must be a planbridge "
        "Table (a pipeline) or a planbridge.Plan"
    )


def compile_file(path: str | Path, var: str = "plan") -> Plan:
    """Run ``path`` and return the plan of its ``var`` variable."""
    scope = run_pipeline_file(path, var)
    if var not in scope:
        raise PlanBuildError(
            f"{path} defines no variable {var!r}; assign your pipeline to it, e.g. "
            f"`{var} = orders.filter(...)`"
        )
    return plan_of(scope[var], var, str(path))


@click.command("compile")
@click.argument("file", metavar="FILE.py", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the plan. Default: FILE's name with .substrait (or .json with --json).",
)
@click.option("--json", "as_json", is_flag=True, help="Write the protobuf JSON mapping.")
@click.option("--var", default="plan", show_default=True, help="The variable holding the plan.")
@click.option(
    "--legacy-uris",
    is_flag=True,
    help="Also write pre-URN extension URIs, for consumers older than Substrait 0.57.",
)
@report_errors
def compile_(file: str, output: str | None, as_json: bool, var: str, legacy_uris: bool) -> None:
    """Run the pipeline file FILE.py and write the Substrait plan it defines.

    FILE.py assigns its pipeline to a module-level variable `plan` (a planbridge
    Table, or a planbridge.Plan). The plan is validated before it is written.
    Exit codes: 0 written, 1 the pipeline is ill-formed or the plan invalid,
    2 the file is missing or raised an exception.

    \b
    Examples:
      planbridge compile conformance/tpch/q01.py -o q01.substrait
      planbridge compile pipeline.py --json -o pipeline.json
    """
    try:
        plan = compile_file(file, var)
    except CompileInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    from planbridge.validate import validate_plan

    problems = validate_plan(plan)
    if problems:
        for p in problems:
            click.echo(f"invalid: {p}", err=True)
        sys.exit(EXIT_INVALID)
    out = Path(output) if output else Path(Path(file).stem + (".json" if as_json else ".substrait"))
    fmt = "json" if as_json else ("json" if output and out.suffix == ".json" else "binary")
    plan.save(out, format=fmt, legacy_uris=legacy_uris)  # type: ignore[arg-type]
    click.echo(f"wrote {out} ({fmt})")
