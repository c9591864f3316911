"""``planbridge convert``: rewrite a plan file as JSON or binary protobuf."""

from __future__ import annotations

import click

from planbridge.cli.common import load_plan, plan_argument, plan_output_options, report_errors


@click.command("convert")
@plan_argument
@plan_output_options
@report_errors
def convert(plan: str, output: str, fmt: str | None, legacy_uris: bool) -> None:
    """Convert PLAN (JSON or binary, detected from its content) to JSON or binary.

    \b
    Examples:
      planbridge convert q1.json -o q1.substrait          # to binary
      planbridge convert q1.substrait -o q1.json          # to JSON
      planbridge convert plan --to json -o plan.out       # format chosen explicitly
    """
    loaded = load_plan(plan)
    loaded.save(output, format=fmt, legacy_uris=legacy_uris)  # type: ignore[arg-type]
