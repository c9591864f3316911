"""Sources: named tables, Parquet and CSV files (Substrait local files), in-memory tables."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from substrait import algebra_pb2 as stalg
from substrait.builders import plan as pb_plan
from substrait.builders import type as tb

from planbridge.errors import PlanBuildError
from planbridge.frontend.expr import Expr, _literal
from planbridge.frontend.table import Table
from planbridge.frontend.types import named_struct, parse_schema

FileOrFiles = stalg.ReadRel.LocalFiles.FileOrFiles


def table(
    name: str | list[str],
    schema: Any,
    event_time: str | None = None,
    watermark: Any = None,
    processing_time: str | None = None,
) -> Table:
    """A named table with a declared schema (dict of type spellings or a pyarrow schema).

    With ``event_time`` the table is a stream source: ``t.with_watermark(event_time,
    delay=watermark)``; ``processing_time`` adds a processing-time column of that name:
    ``t.with_processing_time(processing_time)`` (see the streaming docs).
    """
    names = [name] if isinstance(name, str) else list(name)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise PlanBuildError(f"table name must be a non-empty string, got {name!r}")
    cols = parse_schema(schema)
    if not cols:
        raise PlanBuildError(f"table {name!r} needs at least one column")
    t = Table(pb_plan.read_named_table(names, named_struct(cols)), cols)
    if event_time is not None:
        t = t.with_watermark(event_time, delay=watermark)  # type: ignore[attr-defined]
    if processing_time is not None:
        t = t.with_processing_time(processing_time)  # type: ignore[attr-defined]
    return t


def _file_uri(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    if "://" in text:
        return text
    return Path(text).resolve().as_uri()


def read_parquet(path: str | os.PathLike[str], schema: Any = None) -> Table:
    """A Parquet file (schema read from the file unless given)."""
    if schema is None:
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except (OSError, ValueError) as exc:
            raise PlanBuildError(f"read_parquet({os.fspath(path)!r}): {exc}") from None
    cols = parse_schema(schema)
    item = FileOrFiles(uri_file=_file_uri(path), parquet=FileOrFiles.ParquetReadOptions())
    return Table(pb_plan.local_files(named_struct(cols), [item]), cols)


def read_csv(
    path: str | os.PathLike[str], schema: Any = None, delimiter: str = ",", header: bool = True
) -> Table:
    """A CSV file (schema inferred with pyarrow unless given)."""
    if schema is None:
        import pyarrow.csv as pcsv

        try:
            schema = pcsv.read_csv(
                path, parse_options=pcsv.ParseOptions(delimiter=delimiter)
            ).schema
        except (OSError, ValueError) as exc:
            raise PlanBuildError(f"read_csv({os.fspath(path)!r}): {exc}") from None
    cols = parse_schema(schema)
    opts = FileOrFiles.DelimiterSeparatedTextReadOptions(
        field_delimiter=delimiter,
        header_lines_to_skip=1 if header else 0,
        quote='"',
        escape="",
        max_line_size=1 << 20,
    )
    item = FileOrFiles(uri_file=_file_uri(path), text=opts)
    return Table(pb_plan.local_files(named_struct(cols), [item]), cols)


def memtable(data: Any, schema: Any = None) -> Table:
    """A small in-memory table (a Substrait virtual table) from pyarrow or a dict of lists."""
    import pyarrow as pa

    if isinstance(data, dict):
        data = pa.table(data)
    if not isinstance(data, pa.Table):
        raise PlanBuildError(
            f"memtable() takes a pyarrow Table or a dict, not {type(data).__name__}"
        )
    cols = parse_schema(schema if schema is not None else data.schema)
    rows = []
    types = list(cols.values())
    for row in data.to_pylist():
        rows.append([_literal(v, t)._unbound for v, t in zip(row.values(), types, strict=True)])
    return Table(pb_plan.virtual_table(rows, named_struct(cols)), cols)


def interval(
    *,
    years: int = 0,
    months: int = 0,
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    seconds: float = 0,
    milliseconds: float = 0,
    microseconds: int = 0,
) -> Expr:
    """An interval literal: ``interval_year`` for years/months, else ``interval_day``."""
    day_part = any((days, hours, minutes, seconds, milliseconds, microseconds))
    if (years or months) and day_part:
        raise PlanBuildError(
            "interval(): give either years/months or days..microseconds, not both "
            "(Substrait keeps year-month and day-time intervals apart)"
        )
    if years or months:
        return _literal((years, months), tb.interval_year(nullable=False))
    delta = dt.timedelta(
        days=days,
        hours=hours,
        minutes=minutes,
        seconds=seconds,
        milliseconds=milliseconds,
        microseconds=microseconds,
    )
    return _literal(delta, tb.interval_day(6, nullable=False))
