"""``planbridge lower``: rewrite streaming extension relations into standard Substrait."""

from __future__ import annotations

import click

from planbridge.cli.common import load_plan, plan_argument, report_errors
from planbridge.streaming.lower import lower_plan


@click.command("lower")
@plan_argument
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the lowered plan.",
)
@click.option(
    "--to",
    "fmt",
    type=click.Choice(["json", "binary"]),
    default=None,
    help="Output format. Default: json when OUT ends in .json, else binary.",
)
@click.option(
    "--legacy-uris",
    is_flag=True,
    help="Also write pre-URN extension URIs, for consumers older than Substrait 0.57.",
)
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
