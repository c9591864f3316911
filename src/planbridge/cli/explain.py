"""``planbridge explain``: show a plan's relation tree with columns, types and calls."""

from __future__ import annotations

import click

from planbridge.cli.common import load_plan, plan_argument, report_errors
from planbridge.explain import explain_plan


@click.command("explain")
@plan_argument
@click.option(
    "--engine",
    default=None,
    help="Also print the query this engine would run (duckdb, datafusion, flink).",
)
@report_errors
def explain(plan: str, engine: str | None) -> None:
    """Print PLAN's relation tree, each node with its output columns and types.

    \b
    Examples:
      planbridge explain q1.json
      planbridge explain q1.json --engine duckdb      # plus the DuckDB SQL
      planbridge explain q1.json --engine flink       # plus Flink SQL to paste in its client
    """
    from planbridge.execute import bind

    bound = bind(load_plan(plan), engine or "duckdb")
    click.echo(explain_plan(bound))
    if engine:
        from planbridge.engines import explain_query

        click.echo("")
        click.echo(f"-- query on {engine}")
        click.echo(explain_query(bound, engine))
