"""``planbridge run``: execute a plan on an engine and print or save the result."""

from __future__ import annotations

from pathlib import Path

import click
import pyarrow as pa

from planbridge.cli.common import load_plan, plan_argument, report_errors
from planbridge.errors import PlanError

OUTPUT_FORMATS = (".parquet", ".csv", ".arrow", ".feather", ".ipc")


def parse_tables(specs: tuple[str, ...]) -> dict[str, str]:
    """``NAME=PATH`` pairs into a mapping (a PlanError on a malformed pair)."""
    tables: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise PlanError(f"--table wants NAME=PATH, got {spec!r}")
        tables[name] = path
    return tables


def write_result(reader: pa.RecordBatchReader, output: str) -> int:
    """Stream the result into ``output`` (format from its extension); returns rows written."""
    suffix = Path(output).suffix.lower()
    rows = 0
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(output, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    elif suffix == ".csv":
        import pyarrow.csv as csv

        with csv.CSVWriter(output, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    else:
        with pa.OSFile(output, "wb") as sink, pa.ipc.new_file(sink, reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    return rows


@click.command("run")
@plan_argument
@click.option("--engine", default="duckdb", show_default=True, help="duckdb, datafusion or flink.")
@click.option(
    "--table",
    "tables",
    multiple=True,
    metavar="NAME=PATH",
    help="Data for a named table: a .parquet, .csv, .arrow/.feather file or a directory. "
    "Repeatable.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the result to OUT.parquet, OUT.csv or OUT.arrow instead of printing it.",
)
@click.option("--limit", default=50, show_default=True, help="Rows to print without --output.")
@report_errors
def run(plan: str, engine: str, tables: tuple[str, ...], output: str | None, limit: int) -> None:
    """Run PLAN on an engine.

    Named tables in the plan are bound to files with --table (matched exactly, then
    case-insensitively). Without --output the result prints as a table.

    \b
    Examples:
      planbridge run q1.json --table lineitem=data/lineitem.parquet
      planbridge run q1.json --engine datafusion --table lineitem=li.parquet -o out.parquet
    """
    from planbridge.execute import execute_batches

    if output and Path(output).suffix.lower() not in OUTPUT_FORMATS:
        raise PlanError(f"--output must end in one of {', '.join(OUTPUT_FORMATS)}")
    reader = execute_batches(load_plan(plan), engine=engine, tables=parse_tables(tables))
    if output:
        rows = write_result(reader, output)
        click.echo(f"wrote {rows} rows to {output}")
        return
    table = reader.read_all()
    click.echo(format_table(table, limit))


def format_table(table: pa.Table, limit: int) -> str:
    """A plain-text grid of the first ``limit`` rows, with the row count."""
    names = table.column_names
    shown = table.slice(0, limit).to_pylist()
    cells = [[("NULL" if r[n] is None else str(r[n])) for n in names] for r in shown]
    types = [str(t) for t in table.schema.types]
    widths = [
        max([len(n), len(t)] + [len(row[i]) for row in cells])
        for i, (n, t) in enumerate(zip(names, types, strict=True))
    ]

    def line(values: list[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))

    out = [line(names), line(types), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    more = table.num_rows - len(shown)
    out.append(f"({table.num_rows} rows{f', {more} not shown' if more > 0 else ''})")
    return "\n".join(out)
