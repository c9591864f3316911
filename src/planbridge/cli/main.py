"""Entry point of the ``planbridge`` command."""

from __future__ import annotations

import importlib

import click

from planbridge import __version__

# (module under planbridge.cli, command object name). Each subcommand lives in its own module.
SUBCOMMANDS = [
    ("convert", "convert"),
    ("explain", "explain"),
    ("validate", "validate"),
    ("compile", "compile_"),
    ("run", "run"),
    ("lower", "lower"),
    ("conformance", "conformance"),
    ("serve", "serve"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="planbridge")
def cli() -> None:
    """planbridge: write relational and streaming logic once, as a standard Substrait plan,
    and run it on DuckDB, DataFusion or Flink.

    PLAN arguments accept Substrait plans in binary protobuf or in the protobuf JSON mapping;
    the format is detected from the content. Exit codes: 0 success, 1 invalid or unsupported
    plan (or the engine failed it), 2 unreadable input.
    """


for module_name, attr in SUBCOMMANDS:
    try:
        module = importlib.import_module(f"planbridge.cli.{module_name}")
    except ModuleNotFoundError as exc:  # a subcommand not built yet
        if exc.name != f"planbridge.cli.{module_name}":
            raise
        continue
    cli.add_command(getattr(module, attr))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="planbridge")


if __name__ == "__main__":
    main()
