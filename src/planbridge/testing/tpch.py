"""TPC-H data from ``tpchgen-cli``, cached as parquet, cast to the types plans declare.

Plans from dbgen-era producers declare keys ``i64`` (except ``*_nationkey``,
``r_regionkey``, ``p_size``, ``o_shippriority``: ``i32``), money and quantities
``decimal(15,2)``, dates ``date32`` and text ``string``; tpchgen writes ``string_view``
and other widths, so :func:`tpch_arrow_tables` casts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TPCH_TABLES = ("nation", "region", "part", "supplier", "partsupp", "customer", "orders", "lineitem")

_INT32 = {"n_nationkey", "r_regionkey", "s_nationkey", "c_nationkey", "p_size", "o_shippriority"}
_LOCK = threading.Lock()


def default_cache_dir() -> Path:
    """``$PLANBRIDGE_CACHE`` or ``<repo>/.cache`` (falls back to ``~/.cache/planbridge``)."""
    env = os.environ.get("PLANBRIDGE_CACHE")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[3]
    if (repo / "pyproject.toml").exists():
        return repo / ".cache"
    return Path.home() / ".cache" / "planbridge"


def _tpchgen() -> str:
    exe = Path(sys.executable).with_name("tpchgen-cli")
    if exe.exists():
        return str(exe)
    found = shutil.which("tpchgen-cli")
    if not found:
        raise RuntimeError("tpchgen-cli not found; pip install tpchgen-cli")
    return found


def tpch_tables(
    scale: float = 0.01, cache_dir: str | os.PathLike[str] | None = None
) -> dict[str, Path]:
    """Generate TPC-H at ``scale`` once into the cache; return ``{table: parquet path}``.

    Files are tpchgen's own types (see :func:`tpch_arrow_tables` for declared types).
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    out = root / "tpch" / f"sf{scale:g}"
    paths = {t: out / f"{t}.parquet" for t in TPCH_TABLES}
    with _LOCK:
        if all(p.exists() for p in paths.values()):
            return paths
        tmp = out.with_name(out.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        subprocess.run(
            [_tpchgen(), "parquet", "-s", f"{scale:g}", "--output-dir", str(tmp)],
            check=True,
            capture_output=True,
        )
        out.mkdir(parents=True, exist_ok=True)
        for t in TPCH_TABLES:
            os.replace(tmp / f"{t}.parquet", paths[t])
        shutil.rmtree(tmp, ignore_errors=True)
    return paths


def declared_type(column: str, actual: pa.DataType) -> pa.DataType:
    """The type dbgen-era plans declare for a TPC-H column with tpchgen type ``actual``."""
    if column in _INT32:
        return pa.int32()
    if pa.types.is_integer(actual):
        return pa.int64()
    if pa.types.is_decimal(actual) or pa.types.is_floating(actual):
        return pa.decimal128(15, 2)
    if pa.types.is_date(actual) or pa.types.is_timestamp(actual):
        return pa.date32()
    if (
        pa.types.is_string(actual)
        or pa.types.is_large_string(actual)
        or str(actual) == "string_view"
    ):
        return pa.string()
    return actual


def cast_declared(table: pa.Table) -> pa.Table:
    """Cast a TPC-H table to the declared types (see module doc)."""
    fields = [pa.field(f.name, declared_type(f.name, f.type), True) for f in table.schema]
    return table.cast(pa.schema(fields))


def tpch_arrow_tables(
    scale: float = 0.01, cache_dir: str | os.PathLike[str] | None = None
) -> dict[str, pa.Table]:
    """``{table: pyarrow.Table}`` at ``scale``, cast to the types TPC-H plans declare."""
    return {t: cast_declared(pq.read_table(p)) for t, p in tpch_tables(scale, cache_dir).items()}


def write_declared(
    scale: float,
    dest: str | os.PathLike[str],
    suffix: str = "",
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Path]:
    """Write declared-type copies as ``dest/<table><suffix>.parquet`` (once); return paths."""
    d = Path(dest)
    d.mkdir(parents=True, exist_ok=True)
    paths = {t: d / f"{t}{suffix}.parquet" for t in TPCH_TABLES}
    if all(p.exists() for p in paths.values()):
        return paths
    for t, table in tpch_arrow_tables(scale, cache_dir).items():
        tmp = paths[t].with_suffix(f".tmp{os.getpid()}")
        pq.write_table(table, tmp)
        os.replace(tmp, paths[t])
    return paths
