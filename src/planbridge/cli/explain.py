"""``planbridge explain``: show a plan's relation tree with columns, types and calls."""

from __future__ import annotations

import click

from planbridge.cli.common import load_plan, plan_argument, report_errors
from planbridge.consumer.bind import bind_plan
from planbridge.explain import explain_plan


@click.command("explain")
@plan_argument
@report_errors
def explain(plan: str) -> None:
    """Print PLAN's relation tree, each node with its output columns and types."""
    bound = bind_plan(load_plan(plan))
    click.echo(explain_plan(bound))
    # Hook for the engines engineer: an ``--engine`` option calling
    # ``planbridge.engines.explain_query(bound, engine)`` when that exists.
