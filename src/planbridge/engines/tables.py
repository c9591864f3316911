"""Binding a plan's reads to data: named tables, local files and inline rows.

Named tables match exactly first, then case-insensitively (Isthmus upper-cases
identifiers). A column whose data type differs from the plan's declared type only by a safe
widening (i32 -> i64, string_view -> string, a wider decimal) is cast in the query; any
other difference is a :class:`TableBindingError` naming table, column and both types.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.dataset as ds

from planbridge import types as T
from planbridge.consumer import ir
from planbridge.engines.cache import SchemaMemo
from planbridge.engines.sql.sources import SourceTable
from planbridge.errors import PlanError, TableBindingError, UnsupportedError

_FILE_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
    ".orc": "orc",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}


class Registrar(Protocol):
    """What an engine offers the binder: register data under a name, look up its own tables."""

    def register(self, name: str, data: Any) -> None: ...

    def existing_schema(self, name: str) -> tuple[str, pa.Schema] | None: ...


def load_path(path: str | os.PathLike[str], where: str = "") -> ds.Dataset:
    """A dataset over a parquet / CSV / Arrow IPC / ORC / JSON file or a directory of them."""
    p = Path(path)
    if not p.exists():
        raise TableBindingError(f"data file {str(p)!r} does not exist", where)
    suffix = p.suffix.lower()
    if p.is_dir():
        first = next((q for q in sorted(p.rglob("*")) if q.suffix.lower() in _FILE_FORMATS), None)
        if first is None:
            raise TableBindingError(f"directory {str(p)!r} holds no data files", where)
        suffix = first.suffix.lower()
    fmt = _FILE_FORMATS.get(suffix)
    if fmt is None:
        raise TableBindingError(
            f"cannot tell the format of {str(p)!r}: use .parquet, .csv, .arrow/.feather, .orc "
            f"or .json",
            where,
        )
    try:
        return ds.dataset(str(p), format=fmt)
    except (pa.ArrowInvalid, OSError) as exc:
        raise TableBindingError(f"cannot read {str(p)!r}: {exc}", where) from None


def as_data(value: Any, where: str) -> Any:
    """Normalise a user's table value to something engines register (Arrow table/dataset)."""
    if isinstance(value, pa.Table | ds.Dataset):
        return value
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
    if isinstance(value, pa.RecordBatchReader):
        return value.read_all()
    if isinstance(value, str | os.PathLike):
        return load_path(value, where)
    if hasattr(value, "__arrow_c_stream__"):
        return pa.table(value)
    raise TableBindingError(
        f"table value of type {type(value).__name__} is not supported: give a pyarrow.Table, "
        f"a dataset, or a file path",
        where,
    )


def _unwrap(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _stringish(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _binaryish(t: pa.DataType) -> bool:
    return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t)


_INT_WIDTH = {"i8": 8, "i16": 16, "i32": 32, "i64": 64}


def widening(declared: ir.Type, actual: pa.DataType) -> bool | None:
    """True: ``actual`` needs a cast to ``declared`` that loses nothing; False: same type;
    None: not a safe widening."""
    k = T.kind(declared)
    a = _unwrap(actual)
    if k in ("", "unknown"):
        return False
    if k in _INT_WIDTH and pa.types.is_integer(a):
        width = a.bit_width + (1 if pa.types.is_unsigned_integer(a) else 0)
        if width > _INT_WIDTH[k]:
            return None
        return not (pa.types.is_signed_integer(a) and a.bit_width == _INT_WIDTH[k])
    if k in ("fp32", "fp64") and pa.types.is_floating(a):
        if k == "fp32" and a.bit_width > 32:
            return None
        return a.bit_width != (32 if k == "fp32" else 64)
    if k == "fp64" and pa.types.is_integer(a) and a.bit_width <= 32:
        return True
    if k in ("string", "varchar", "fixed_char") and _stringish(a):
        return not (pa.types.is_string(a) or pa.types.is_large_string(a)) or a != actual
    if k in ("binary", "fixed_binary") and _binaryish(a):
        return a != actual or pa.types.is_binary_view(a)
    if k == "bool" and pa.types.is_boolean(a):
        return False
    if k == "date" and (pa.types.is_date32(a) or pa.types.is_date64(a)):
        return pa.types.is_date64(a)
    if k == "decimal" and pa.types.is_decimal(a):
        p, s = declared.decimal.precision, declared.decimal.scale
        if s < a.scale or p - s < a.precision - a.scale:
            return None
        return (p, s) != (a.precision, a.scale)
    if k == "decimal" and pa.types.is_integer(a):
        digits = {8: 3, 16: 5, 32: 10, 64: 19}[a.bit_width]
        return True if declared.decimal.precision - declared.decimal.scale >= digits else None
    if k in ("timestamp", "precision_timestamp") and pa.types.is_timestamp(a) and a.tz is None:
        return a.unit not in ("us",)
    if k in ("timestamp_tz", "precision_timestamp_tz") and pa.types.is_timestamp(a) and a.tz:
        return a.unit not in ("us",)
    if k in ("time", "precision_time") and (pa.types.is_time32(a) or pa.types.is_time64(a)):
        return a != pa.time64("us")
    if k in ("list", "struct", "map") and (
        pa.types.is_list(a)
        or pa.types.is_large_list(a)
        or pa.types.is_struct(a)
        or pa.types.is_map(a)
    ):
        return False
    if k.startswith("interval") and pa.types.is_interval(a):
        return False
    return None


#: Remembered column matches. Matching (names, case folding, widening checks) costs about
#: 2 us per column. Kept per declared base schema, by identity: the binder gives every read
#: of the same declared schema (within a plan, in a plan run again, in other plans over the
#: same tables) the same tuple of bound columns (``consumer.relations.schema_columns``), so
#: the tuple itself is the key, without encoding the declared types on every read. A
#: schema bound anew (not remembered there) is matched on its own.
_COLUMN_MATCHES = SchemaMemo()


class TableBinder:
    """Resolves reads for one execution and registers their data with the engine."""

    def __init__(self, tables: Mapping[str, Any] | None, engine: Registrar) -> None:
        self.tables = dict(tables or {})
        self.engine = engine
        self._registered: dict[Any, str] = {}
        self._existing_schemas: dict[str, tuple[str, pa.Schema] | None] = {}
        self._counter = 0

    def _new_name(self) -> str:
        name = f"_pb_t{self._counter}"
        self._counter += 1
        return name

    def _register(self, key: Any, data: Any, path: str = "") -> str:
        if key not in self._registered:
            name = self._new_name()
            try:
                self.engine.register(name, data)
            except PlanError:
                raise
            except Exception as exc:  # the engine refuses the data (e.g. a type it cannot take)
                first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
                raise TableBindingError(
                    f"{getattr(self.engine, 'name', 'the engine')} cannot read this data: "
                    f"{type(exc).__name__}: {first}",
                    path,
                ) from None
            self._registered[key] = name
        return self._registered[key]

    def _existing(self, name: str) -> tuple[str, pa.Schema] | None:
        """The engine's own table ``name``, looked up once per execution."""
        if name not in self._existing_schemas:
            self._existing_schemas[name] = self.engine.existing_schema(name)
        return self._existing_schemas[name]

    # -- named tables ------------------------------------------------------------------
    def _lookup(self, rel: ir.NamedTableRead) -> tuple[str, Any] | None:
        wanted = [".".join(rel.names)]
        if len(rel.names) > 1:
            wanted.append(rel.names[-1])
        for w in wanted:
            if w in self.tables:
                return w, self.tables[w]
        for w in wanted:
            matches = [k for k in self.tables if k.lower() == w.lower()]
            if len(matches) == 1:
                return matches[0], self.tables[matches[0]]
            if len(matches) > 1:
                raise TableBindingError(
                    f"table {w!r} matches several tables case-insensitively: {sorted(matches)}",
                    rel.path,
                )
        return None

    def named_table(self, rel: ir.NamedTableRead) -> SourceTable:
        shown = ".".join(rel.names)
        found = self._lookup(rel)
        if found is None:
            for w in [".".join(rel.names), rel.names[-1]]:
                existing = self._existing(w)
                if existing is not None:
                    engine_name, schema = existing
                    return SourceTable(engine_name, self.columns(rel, shown, schema))
            available = ", ".join(sorted(self.tables)) or "none given"
            raise TableBindingError(
                f"no data for table {shown!r} (tables given: {available}); pass "
                f"tables={{{shown!r}: ...}} or --table {shown}=PATH",
                rel.path,
            )
        key, value = found
        data = as_data(value, rel.path)
        name = self._register(("table", key), data, rel.path)
        return SourceTable(name, self.columns(rel, shown, data.schema))

    def columns(
        self, rel: ir.Read, table: str, schema: pa.Schema
    ) -> tuple[tuple[str, ir.Type | None], ...]:
        """Match the read's base schema to the data's columns (by name, then position)."""
        declared = rel.base_schema  # the entry holds it: its id stays unique while kept
        known = _COLUMN_MATCHES.get(declared, schema)
        if known is None:
            known = self._match_columns(rel, table, schema)
            _COLUMN_MATCHES.put(declared, schema, known)
        return known

    def _match_columns(
        self, rel: ir.Read, table: str, schema: pa.Schema
    ) -> tuple[tuple[str, ir.Type | None], ...]:
        names = schema.names
        exact = {n: i for i, n in enumerate(names)}
        folded: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            folded.setdefault(n.lower(), []).append(i)
        picks: list[int | None] = []
        for c in rel.base_schema:
            if c.name in exact:
                picks.append(exact[c.name])
            elif len(folded.get(c.name.lower(), [])) == 1:
                picks.append(folded[c.name.lower()][0])
            else:
                picks.append(None)
        if all(p is None for p in picks) and len(names) == len(rel.base_schema):
            picks = list(range(len(names)))  # plans whose base schema names are positional
        out = []
        for c, p in zip(rel.base_schema, picks, strict=True):
            if p is None:
                raise TableBindingError(
                    f"table {table!r} has no column {c.name!r} (columns: {', '.join(names)})",
                    rel.path,
                )
            actual = schema.field(p).type
            verdict = widening(c.type, actual)
            if verdict is None:
                raise TableBindingError(
                    f"table {table!r} column {c.name!r}: the plan declares "
                    f"{T.type_to_str(c.type)} but the data is {actual}",
                    rel.path,
                )
            out.append((names[p], c.type if verdict else None))
        return tuple(out)

    # -- files -------------------------------------------------------------------------
    def local_files(self, rel: ir.LocalFilesRead) -> SourceTable:
        paths: list[str] = []
        formats = set()
        for i, item in enumerate(rel.files):
            where = f"{rel.path}.local_files.items[{i}]"
            paths.extend(self.file_paths(item, where))
            formats.add((item.format, item.options))
        if len(formats) != 1:
            raise UnsupportedError("a read mixes several file formats", rel.path)
        fmt, options = formats.pop()
        dataset = self.file_dataset(paths, fmt, dict(options), rel)
        name = self._register(("files", tuple(paths), fmt, options), dataset, rel.path)
        return SourceTable(name, self.columns(rel, ", ".join(paths), dataset.schema))

    def file_paths(self, item: ir.FileItem, where: str) -> list[str]:
        parsed = urlparse(item.uri)
        if parsed.scheme not in ("", "file"):
            raise UnsupportedError(f"file URI scheme {parsed.scheme!r} is not supported", where)
        path = unquote(parsed.path) if parsed.scheme else item.uri
        if item.kind == "uri_path_glob":
            found = sorted(glob.glob(path))
            if not found:
                raise TableBindingError(f"no files match {path!r}", where)
            return found
        if not os.path.exists(path):
            raise TableBindingError(f"data file {path!r} does not exist", where)
        if os.path.isdir(path):
            return sorted(str(p) for p in Path(path).rglob("*") if p.is_file())
        return [path]

    def file_dataset(
        self, paths: list[str], fmt: str, options: dict[str, str], rel: ir.LocalFilesRead
    ) -> ds.Dataset:
        try:
            if fmt == "parquet":
                return ds.dataset(paths, format="parquet")
            if fmt == "arrow":
                return ds.dataset(paths, format="ipc")
            if fmt == "orc":
                return ds.dataset(paths, format="orc")
            if fmt == "json":
                return ds.dataset(paths, format="json")
            if fmt in ("csv", "text"):
                return self.csv_dataset(paths, options, rel)
        except (pa.ArrowInvalid, OSError) as exc:
            raise TableBindingError(f"cannot read {', '.join(paths)}: {exc}", rel.path) from None
        raise UnsupportedError(f"file format {fmt} is not supported", rel.path)

    def csv_dataset(
        self, paths: list[str], options: dict[str, str], rel: ir.LocalFilesRead
    ) -> ds.Dataset:
        import pyarrow.csv as csv

        names = [c.name for c in rel.base_schema]
        skip = int(options.get("header_lines_to_skip", "1") or 0)
        types = {}
        for c in rel.base_schema:
            if T.kind(c.type) not in ("", "unknown"):
                types[c.name] = T.type_to_arrow(c.type)
        fmt = ds.CsvFileFormat(
            parse_options=csv.ParseOptions(
                delimiter=options.get("field_delimiter") or ",",
                quote_char=options.get("quote") or '"',
                escape_char=options.get("escape") or False,
            ),
            read_options=csv.ReadOptions(skip_rows=skip, column_names=names),
            convert_options=self.csv_nulls(options, types),
        )
        return ds.dataset(paths, format=fmt)

    @staticmethod
    def csv_nulls(options: dict[str, str], types: dict[str, pa.DataType]) -> Any:
        """Conversion options: ``value_treated_as_null`` (unquoted only, in every column)."""
        import pyarrow.csv as csv

        null = options.get("value_treated_as_null")
        if null is None:
            return csv.ConvertOptions(column_types=types)
        return csv.ConvertOptions(
            column_types=types,
            null_values=[null],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        )

    # -- inline rows -------------------------------------------------------------------
    def virtual_table(self, rel: ir.VirtualTableRead) -> SourceTable | None:
        if not rel.rows or not all(isinstance(v, ir.Literal) for row in rel.rows for v in row):
            return None
        arrays, names = [], []
        for j, c in enumerate(rel.base_schema):
            kind = T.kind(c.type)
            if kind not in _ARROW_LITERAL_KINDS:
                return None
            try:
                arrays.append(pa.array([row[j].value for row in rel.rows], T.type_to_arrow(c.type)))  # type: ignore[attr-defined]
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
                return None
            names.append(f"c{j}")
        table = pa.Table.from_arrays(arrays, names=names)
        name = self._register(("values", id(rel)), table, rel.path)
        return SourceTable(name, tuple((n, None) for n in names))


_ARROW_LITERAL_KINDS = {
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "fp32",
    "fp64",
    "string",
    "varchar",
    "fixed_char",
    "binary",
    "date",
    "decimal",
    "timestamp",
    "precision_timestamp",
}
