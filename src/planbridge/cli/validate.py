"""``planbridge validate``: structural checks; exit 0 valid, 1 invalid, 2 unreadable."""

from __future__ import annotations

import sys

import click

from planbridge.cli.common import EXIT_INVALID, load_plan, plan_argument, report_errors
from planbridge.validate import validate_plan


@click.command("validate")
@plan_argument
@report_errors
def validate(plan: str) -> None:
    """Check PLAN: extension references, field and emit ranges, root names, signatures.

    Prints each problem as ``<path>: <reason>``.
    """
    problems = validate_plan(load_plan(plan))
    if not problems:
        click.echo(f"{plan}: valid")
        return
    for p in problems:
        click.echo(f"invalid: {p}", err=True)
    sys.exit(EXIT_INVALID)
