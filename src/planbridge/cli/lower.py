"""``planbridge lower``: rewrite streaming extension relations into standard Substrait."""

from __future__ import annotations

import click

from planbridge.cli.common import load_plan, plan_argument, plan_output_options, report_errors
from planbridge.streaming.lower import lower_plan


@click.command("lower")
@plan_argument
@plan_output_options
@report_errors
def lower(plan: str, output: str, fmt: str | None, legacy_uris: bool) -> None:
    """Rewrite every planbridge streaming relation in PLAN into standard Substrait.

    The result has the same batch meaning (docs/streaming-semantics.md) and runs on any
    Substrait consumer. Other extension relations are left as they are.

    \b
    Examples:
      planbridge lower windowed.substrait -o windowed.lowered.substrait
      planbridge lower windowed.json -o lowered.json
    """
    lower_plan(load_plan(plan)).save(output, format=fmt, legacy_uris=legacy_uris)  # type: ignore[arg-type]
