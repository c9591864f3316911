"""Shared pieces of the subcommands: plan loading and turning PlanErrors into exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from planbridge.errors import PlanError, PlanReadError
from planbridge.plan import Plan

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1  # the plan reads but is invalid, unsupported, or the engine failed it
EXIT_UNREADABLE = 2  # the input could not be read as a plan (or another input is bad)


def report_errors(func: F) -> F:
    """Print a PlanError as ``error: <path>: <reason>`` and exit, never with a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PlanReadError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_UNREADABLE)
        except PlanError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INVALID)

    return wrapper  # type: ignore[return-value]


def load_plan(path: str) -> Plan:
    """Load a plan file given on the command line (``-`` reads standard input)."""
    if path == "-":
        return Plan.from_data(sys.stdin.buffer.read(), source="standard input")
    return Plan.load(path)


plan_argument = click.argument(
    "plan", metavar="PLAN", type=click.Path(dir_okay=False, allow_dash=True)
)


def plan_output_options(func: F) -> F:
    """``-o/--output``, ``--to`` and ``--legacy-uris``: where and how to write a plan."""
    func = click.option(
        "--legacy-uris",
        is_flag=True,
        help="Also write pre-URN extension URIs, for consumers older than Substrait 0.57.",
    )(func)
    func = click.option(
        "--to",
        "fmt",
        type=click.Choice(["json", "binary"]),
        default=None,
        help="Output format. Default: json when OUT ends in .json, else binary.",
    )(func)
    return click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False),
        help="Where to write the plan.",
    )(func)
