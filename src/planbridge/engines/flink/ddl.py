"""Flink table DDL for a plan's sources and sinks, and the files behind them.

Flink's wheel has only the filesystem connector with csv/json (no Parquet jar), so Arrow
data is written once to a JSON-lines file whose values keep their exact types (decimals
and floats as their exact text, binary as base64, timestamps in Flink's SQL format) and
declared as ``CREATE TEMPORARY TABLE .. WITH ('connector' = 'filesystem', ..)`` with the
plan's base-schema types. A ``.json`` path is declared as is; a mapping of connector
options (Kafka, datagen, ...) declares a table over that connector. Every statement is a
sqlglot AST: names and values are quoted by the generator, never pasted into text.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import sqlglot.expressions as exp

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.flink.translator import flink_type
from planbridge.engines.sql.sources import SourceTable
from planbridge.engines.tables import TableBinder, as_data
from planbridge.errors import TableBindingError, UnsupportedError

_JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


ROWTIME = "_pb_rt"
PROCTIME = "_pb_pt"  # the computed processing-time column (PROCTIME()) of a source
NULL_TIME = "1000-01-01 00:00:00"  # rowtime of rows whose event time is null  # the computed millisecond event-time column of a source with a watermark


@dataclass(frozen=True)
class Watermark:
    """Event time of a source: base column ``column`` becomes the computed rowtime
    ``_pb_rt`` (``CAST(col AS TIMESTAMP(3))``, Flink's time attributes hold milliseconds)
    with ``WATERMARK FOR _pb_rt AS _pb_rt - delay``. ``arrival``: base column giving the
    order rows arrive in (the data file is written in that order)."""

    column: int | None
    delay: exp.Expression | None = None
    arrival: int | None = None
    #: The watermark is on the column itself (declared TIMESTAMP(3)), for windows over
    #: relations derived from the source, where the computed rowtime would not reach.
    on_column: bool = False
    #: Base columns of a versioned table's key (``PRIMARY KEY (..) NOT ENFORCED``), for
    #: the versioned side of an event-time temporal join.
    primary_key: tuple[int, ...] = ()
    #: The source also declares the processing-time column ``_pb_pt AS PROCTIME()``.
    proctime: bool = False


def create_table(
    name: str,
    columns: list[tuple[str, exp.DataType]],
    options: Mapping[str, str],
    watermark: tuple[str, exp.Expression | None] | None = None,
    on_column: bool = False,
    primary_key: list[str] | None = None,
    proctime: bool = False,
) -> exp.Create:
    """``CREATE TEMPORARY TABLE name (cols.., _pb_rt AS CAST(..), WATERMARK FOR _pb_rt ..)
    WITH ('k' = 'v', ..)``."""
    defs: list[exp.Expression] = [
        exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=t) for c, t in columns
    ]
    if watermark is not None and on_column:
        col, delay = watermark
        ref = exp.column(col, quoted=True)
        expr = exp.Sub(this=ref.copy(), expression=delay) if delay is not None else ref.copy()
        defs.append(exp.WatermarkColumnConstraint(this=ref, expression=expr))
    elif watermark is not None:
        col, delay = watermark
        kind = dict(columns)[col]
        ltz = kind.this in (exp.DataType.Type.TIMESTAMPLTZ, exp.DataType.Type.TIMESTAMPTZ)
        ms = exp.DataType.build("TIMESTAMPLTZ(3)" if ltz else "TIMESTAMP(3)")
        # Flink refuses null rowtimes: null times get a far-past stand-in, and the window
        # relations drop rows whose event time is null (they are in no window).
        cast = exp.Coalesce(
            this=exp.Cast(this=exp.column(col, quoted=True), to=ms),
            expressions=[exp.Cast(this=exp.Literal.string(NULL_TIME), to=ms.copy())],
        )
        defs.append(
            exp.ColumnDef(
                this=exp.to_identifier(ROWTIME, quoted=True),
                constraints=[exp.ColumnConstraint(kind=exp.ComputedColumnConstraint(this=cast))],
            )
        )
        ref = exp.column(ROWTIME, quoted=True)
        expr = exp.Sub(this=ref.copy(), expression=delay) if delay is not None else ref.copy()
        defs.append(exp.WatermarkColumnConstraint(this=ref, expression=expr))
    if proctime:
        defs.append(
            exp.ColumnDef(
                this=exp.to_identifier(PROCTIME, quoted=True),
                constraints=[
                    exp.ColumnConstraint(
                        kind=exp.ComputedColumnConstraint(this=exp.Anonymous(this="PROCTIME"))
                    )
                ],
            )
        )
    if primary_key:
        defs.append(
            exp.PrimaryKey(
                expressions=[exp.to_identifier(c, quoted=True) for c in primary_key],
                options=[exp.var("NOT ENFORCED")],
            )
        )
    props: list[exp.Expression] = [exp.TemporaryProperty()]
    props += [
        exp.Property(this=exp.Literal.string(k), value=exp.Literal.string(str(v)))
        for k, v in options.items()
    ]
    return exp.Create(
        this=exp.Schema(
            this=exp.Table(this=exp.to_identifier(name, quoted=True)), expressions=defs
        ),
        kind="TABLE",
        properties=exp.Properties(expressions=props),
    )


def drop_table(name: str) -> str:
    """``DROP TEMPORARY TABLE IF EXISTS name`` (Flink SQL text)."""
    from planbridge.engines.flink.dialect import FlinkDialect

    ident = exp.to_identifier(name, quoted=True).sql(dialect=FlinkDialect)
    return f"DROP TEMPORARY TABLE IF EXISTS {ident}"


def json_options(path: str | Path) -> dict[str, str]:
    return {
        "connector": "filesystem",
        "path": str(path),
        "format": "json",
        "json.fail-on-missing-field": "false",
        "json.timestamp-format.standard": "SQL",
    }


# ---------------------------------------------------------------------------------------
# Arrow -> JSON lines with exact values (through DuckDB, which writes them fast)
# ---------------------------------------------------------------------------------------
class _JsonCache:
    """Converted files, kept for the process (the same table read twice is written once)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dir: tempfile.TemporaryDirectory[str] | None = None
        self.files: dict[Any, tuple[Any, Path]] = {}

    def path_for(self, key: str) -> Path:
        if self.dir is None:
            self.dir = tempfile.TemporaryDirectory(prefix="planbridge-flink-data-")
        return Path(self.dir.name) / f"{key}.json"


_CACHE = _JsonCache()


def _duck_value(col: exp.Expression, t: ir.Type) -> exp.Expression:
    """A DuckDB expression giving the JSON value Flink's json format reads exactly."""
    k = T.kind(t)
    varchar = exp.DataType.build("VARCHAR")
    if k == "decimal":
        dec = exp.DataType.build(f"DECIMAL({t.decimal.precision}, {t.decimal.scale})")
        return exp.Cast(this=exp.Cast(this=col, to=dec), to=varchar)
    if k in ("fp32", "fp64"):
        width = exp.DataType.build("FLOAT" if k == "fp32" else "DOUBLE")
        x = exp.Cast(this=col, to=width)
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.Anonymous(this="isnan", expressions=[x.copy()]),
                    true=exp.Literal.string("NaN"),
                ),
                exp.If(
                    this=exp.GT(this=x.copy(), expression=exp.Literal.number(0)).and_(
                        exp.Anonymous(this="isinf", expressions=[x.copy()])
                    ),
                    true=exp.Literal.string("Infinity"),
                ),
                exp.If(
                    this=exp.Anonymous(this="isinf", expressions=[x.copy()]),
                    true=exp.Literal.string("-Infinity"),
                ),
            ],
            default=exp.Cast(this=x, to=varchar),
        )
    if k in ("binary", "fixed_binary"):
        return exp.Anonymous(
            this="to_base64", expressions=[exp.Cast(this=col, to=exp.DataType.build("BLOB"))]
        )
    if k in ("timestamp", "precision_timestamp"):
        fmt = exp.Literal.string("%Y-%m-%d %H:%M:%S.%f")
        ts = exp.Cast(this=col, to=exp.DataType.build("TIMESTAMP"))
        return exp.Anonymous(this="strftime", expressions=[ts, fmt])
    if k in ("timestamp_tz", "precision_timestamp_tz"):
        fmt = exp.Literal.string("%Y-%m-%d %H:%M:%S.%fZ")
        ts = exp.Cast(this=col, to=exp.DataType.build("TIMESTAMPTZ"))
        return exp.Anonymous(this="strftime", expressions=[ts, fmt])
    if k in ("date", "time", "precision_time"):
        return exp.Cast(this=col, to=varchar)
    return col


def write_json(data: Any, columns: list[tuple[str, ir.Type]], key: Any, keep: Any = None) -> Path:
    """Write ``data``'s ``columns`` (source name, declared type) as ``c0..cN`` JSON lines.

    The cache entry holds ``keep`` (default ``data``): the object whose ``id`` is in ``key``,
    so that the id cannot be reused by another table while the entry exists."""
    import duckdb

    with _CACHE.lock:
        cached = _CACHE.files.get(key)
        if cached is not None:
            return cached[1]
        digest = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
        path = _CACHE.path_for(digest)
        con = duckdb.connect(config={"threads": 1, "preserve_insertion_order": True})
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.register("_pb_src", data)
            select = exp.Select(
                expressions=[
                    exp.Alias(
                        this=_duck_value(exp.column(name, quoted=True), t),
                        alias=exp.to_identifier(f"c{i}", quoted=True),
                    )
                    for i, (name, t) in enumerate(columns)
                ]
            ).from_(exp.Table(this=exp.to_identifier("_pb_src", quoted=True)))
            target = exp.Literal.string(str(path)).sql(dialect="duckdb")
            con.execute(f"COPY ({select.sql(dialect='duckdb')}) TO {target} (FORMAT JSON)")
        except duckdb.Error as exc:
            raise TableBindingError(f"cannot prepare the data for Flink: {exc}") from None
        finally:
            con.close()
        _CACHE.files[key] = (data if keep is None else keep, path)
        return path


def _data_key(data: Any, value: Any) -> Any:
    """Cache key of a user's table value: the file (path, size, mtime) or the object."""
    if isinstance(value, str | os.PathLike):
        st = os.stat(value)
        return ("path", os.fspath(value), st.st_size, st.st_mtime_ns)
    return ("object", id(data))


# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------
class FlinkSources(TableBinder):
    """Binds a plan's reads to Flink tables, collecting the DDL that declares them.

    ``watermarks`` maps ``id(read relation)`` to the event-time column and delay the plan
    declares for it; ``existing`` tells whether a table of that name is already in the
    session (then the read uses it directly).
    """

    _names = iter(range(1 << 62))

    def __init__(
        self,
        tables: Mapping[str, Any] | None,
        existing: Any = None,
        watermarks: Mapping[int, Watermark] | None = None,
    ) -> None:
        super().__init__(tables, self)
        self.ddl: list[tuple[exp.Create, str]] = []  # (statement, plan path of the read)
        self.created: list[str] = []
        self.existing_tables = existing
        self.watermarks = dict(watermarks or {})
        self._declared: dict[Any, str] = {}

    # Registrar protocol (data is declared by :meth:`declare`, not registered).
    def register(self, name: str, data: Any) -> None:  # pragma: no cover - unused
        raise NotImplementedError

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None:
        return None

    def new_name(self) -> str:
        return f"_pb_t{next(FlinkSources._names)}"

    def declare(
        self,
        key: Any,
        rel: ir.Read,
        names: list[str],
        options: Mapping[str, str],
        types: list[ir.Type] | None = None,
    ) -> str:
        """Declare (once per key) a table whose columns are ``names`` typed as the base schema
        (or as ``types``, the data's own types, where the plan leaves them unknown)."""
        wm = self.watermarks.get(id(rel))
        key = (key, tuple(T.type_to_str(c.type) for c in rel.base_schema), wm)
        if key in self._declared:
            return self._declared[key]
        name = self.new_name()
        types = types or [c.type for c in rel.base_schema]
        cols = [(n, flink_type(t)) for n, t in zip(names, types, strict=True)]
        has_time = wm is not None and wm.column is not None
        watermark = (names[wm.column], wm.delay) if has_time else None  # type: ignore[union-attr,index]
        on_column = has_time and wm.on_column  # type: ignore[union-attr]
        if on_column:
            col = wm.column  # type: ignore[union-attr]
            t = types[col]
            if (
                T.kind(t) not in ("precision_timestamp", "precision_timestamp_tz")
                or getattr(t, T.kind(t)).precision > 3
            ):
                raise UnsupportedError(
                    f"a window over a relation derived from {name!r} needs its event time "
                    f"column to be a millisecond timestamp (precision_timestamp<3>), not "
                    f"{T.type_to_str(t)}",
                    rel.path,
                )
        pk = [names[c] for c in wm.primary_key] if wm is not None else None
        proctime = wm is not None and wm.proctime
        stmt = create_table(name, cols, options, watermark, on_column, pk, proctime)
        self.ddl.append((stmt, rel.path))
        self.created.append(name)
        self._declared[key] = name
        return name

    def _bind_value(self, value: Any, rel: ir.Read, shown: str, key: Any) -> SourceTable:
        if isinstance(value, Mapping):
            names = [c.name for c in rel.base_schema]
            name = self.declare(("options", key), rel, names, {**value})
            return SourceTable(name, tuple((n, None) for n in names))
        if isinstance(value, str | os.PathLike) and str(value).lower().endswith(_JSON_SUFFIXES):
            if not os.path.exists(value):
                raise TableBindingError(f"data file {str(value)!r} does not exist", rel.path)
            names = [c.name for c in rel.base_schema]
            name = self.declare(("json", os.fspath(value)), rel, names, json_options(value))
            return SourceTable(name, tuple((n, None) for n in names))
        data = as_data(value, rel.path)
        return self._bind_data(data, _data_key(data, value), rel, shown)

    def _bind_data(self, data: Any, key: Any, rel: ir.Read, shown: str) -> SourceTable:
        picked = self.columns(rel, shown, data.schema)  # checks names and types
        source_cols = [
            (src, c.type if T.kind(c.type) not in ("", "unknown") else _arrow_type(data, src))
            for (src, _), c in zip(picked, rel.base_schema, strict=True)
        ]
        spec = tuple((s, T.type_to_str(t)) for s, t in source_cols)
        wm = self.watermarks.get(id(rel))
        original = data  # the object ``key`` names: kept alive with the cached file
        if wm is not None and wm.arrival is not None:
            data = _in_arrival_order(data, picked[wm.arrival][0])
            key = (key, "arrival", wm.arrival)
        path = write_json(data, source_cols, (key, spec), keep=original)
        names = [f"c{i}" for i in range(len(rel.base_schema))]
        types = [t for _, t in source_cols]
        name = self.declare(("data", key, spec), rel, names, json_options(path), types)
        return SourceTable(name, tuple((n, None) for n in names))

    def named_table(self, rel: ir.NamedTableRead) -> SourceTable:
        shown = ".".join(rel.names)
        found = self._lookup(rel)
        if found is None:
            for w in [shown, rel.names[-1]]:
                if self.existing_tables is not None and self.existing_tables(w):
                    return SourceTable(w, tuple((c.name, None) for c in rel.base_schema))
            available = ", ".join(sorted(self.tables)) or "none given"
            raise TableBindingError(
                f"no data for table {shown!r} (tables given: {available}); pass "
                f"tables={{{shown!r}: ...}} or --table {shown}=PATH",
                rel.path,
            )
        key, value = found
        return self._bind_value(value, rel, shown, ("table", key))

    def local_files(self, rel: ir.LocalFilesRead) -> SourceTable:
        paths: list[str] = []
        for i, item in enumerate(rel.files):
            paths.extend(self.file_paths(item, f"{rel.path}.local_files.items[{i}]"))
        fmts = {(f.format, f.options) for f in rel.files}
        fmt, options = fmts.pop() if len(fmts) == 1 else ("unknown", ())
        if fmt == "json" and len(paths) == 1:
            return self._bind_value(paths[0], rel, paths[0], ("files", paths[0]))
        dataset: ds.Dataset = self.file_dataset(paths, fmt, dict(options), rel)
        stats = tuple((p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in paths)
        return self._bind_data(dataset, ("files", stats, fmt, options), rel, ", ".join(paths))

    def virtual_table(self, rel: ir.VirtualTableRead) -> SourceTable | None:
        if id(rel) in self.watermarks and rel.rows:
            data = pa.table(
                {
                    f"c{j}": pa.array(
                        [row[j].value for row in rel.rows],  # type: ignore[attr-defined]
                        T.type_to_arrow(c.type),
                    )
                    for j, c in enumerate(rel.base_schema)
                }
            )
            return self._bind_data(data, ("values", id(rel)), rel, "VALUES")
        return None  # inline VALUES

    def sink(self, rel: ir.Write) -> str:
        """Declare the table an ``INSERT INTO`` writes (a directory path or connector options)."""
        shown = ".".join(rel.names)
        value = None
        for w in [shown, rel.names[-1]]:
            if w in self.tables:
                value = self.tables[w]
                break
        cols = [(c.name, flink_type(c.type)) for c in rel.table_schema]
        if value is None:
            if self.existing_tables is not None and self.existing_tables(shown):
                return shown
            raise TableBindingError(
                f"no sink for table {shown!r}: pass tables={{{shown!r}: DIRECTORY}} (JSON files "
                f"are written there) or a mapping of Flink connector options",
                rel.path,
            )
        if isinstance(value, Mapping):
            options = {**value}
        elif isinstance(value, str | os.PathLike):
            options = {"connector": "filesystem", "path": os.fspath(value), "format": "json"}
        else:
            raise TableBindingError(
                f"sink {shown!r}: give a directory path or a mapping of connector options, not "
                f"a {type(value).__name__}",
                rel.path,
            )
        name = self.new_name()
        self.ddl.append((create_table(name, cols, options), rel.path))
        self.created.append(name)
        return name


def _arrow_type(data: Any, column: str) -> ir.Type:
    """The Substrait type of a data column (for plans that leave a column's type unknown)."""
    return T.arrow_to_type(data.schema.field(column).type)


def _in_arrival_order(data: Any, column: str) -> pa.Table:
    """The rows sorted (stably) by ``column``: the order a replayed stream arrives in."""
    table = data if isinstance(data, pa.Table) else data.to_table()
    return table.take(pc.sort_indices(table, [(column, "ascending")]))
