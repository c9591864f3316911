"""What a server may read: its named tables (configured at start) and the directories that
plans' local-file reads are confined to.

Plans are untrusted: before a plan runs, every read in it (after lowering, so also reads
inside lowered streaming relations) is checked here. A named table must be in the catalog;
a file must resolve (symlinks followed) inside one of the configured roots.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from google.protobuf.message import Message
from substrait import algebra_pb2

from planbridge.engines.tables import load_path
from planbridge.errors import PlanError, TableBindingError


@dataclass
class Catalog:
    """Named tables (name -> opened dataset) and the roots local-file reads must stay inside."""

    tables: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    roots: tuple[Path, ...] = ()

    @classmethod
    def open(
        cls, tables: Mapping[str, str | os.PathLike[str]], roots: list[str] | tuple[str, ...] = ()
    ) -> Catalog:
        """Open every table's file or directory now, so a bad catalog fails at start-up."""
        opened = {name: load_path(path, f"--table {name}") for name, path in tables.items()}
        resolved = []
        for r in roots:
            p = Path(r).resolve()
            if not p.is_dir():
                raise PlanError(f"--root {r!r} is not a directory")
            resolved.append(p)
        return cls(opened, {n: str(p) for n, p in tables.items()}, tuple(resolved))

    # -- named tables ----------------------------------------------------------------------
    def lookup(self, names: list[str], where: str) -> str:
        """The catalog name a read's table names resolve to (as the engines' binder matches)."""
        wanted = [".".join(names)] + ([names[-1]] if len(names) > 1 else [])
        for w in wanted:
            if w in self.tables:
                return w
        for w in wanted:
            folded = [k for k in self.tables if k.lower() == w.lower()]
            if len(folded) == 1:
                return folded[0]
        served = ", ".join(sorted(self.tables)) or "none"
        raise TableBindingError(
            f"unknown table {'.'.join(names)!r}: this server serves {served}", where
        )

    # -- local files -----------------------------------------------------------------------
    def confine(self, uri: str, kind: str, where: str) -> None:
        """Raise unless the file(s) ``uri`` names lie inside a configured root."""
        parsed = urlparse(uri)
        if parsed.scheme not in ("", "file"):
            raise TableBindingError(
                f"reading {uri!r} is not allowed: this server reads only local files under "
                f"its roots",
                where,
            )
        path = unquote(parsed.path) if parsed.scheme else uri
        if not self.roots:
            raise TableBindingError(
                f"reading file {path!r} is not allowed: this server was started without "
                f"--root, so plans may read only its named tables",
                where,
            )
        candidates = [path]
        if kind == "uri_path_glob":
            candidates = [_glob_base(path), *glob.glob(path)]
        elif os.path.isdir(path):
            candidates += [str(p) for p in Path(path).rglob("*")]
        for c in candidates:
            real = Path(os.path.realpath(c))
            if not any(real == r or r in real.parents for r in self.roots):
                roots = ", ".join(str(r) for r in self.roots)
                raise TableBindingError(
                    f"reading file {c!r} is not allowed: it is outside this server's roots "
                    f"({roots})",
                    where,
                )

    def check(self, plan: Message) -> None:
        """Check every read in a substrait.Plan against the catalog and the roots."""
        for read, where in _reads(plan, ""):
            kind = read.WhichOneof("read_type")
            if kind == "named_table":
                self.lookup(list(read.named_table.names), where)
            elif kind == "local_files":
                for i, item in enumerate(read.local_files.items):
                    which = item.WhichOneof("path_type") or "uri_path"
                    self.confine(getattr(item, which), which, f"{where}.local_files.items[{i}]")


def _glob_base(pattern: str) -> str:
    """The directory part of a glob pattern before its first wildcard."""
    head = pattern
    while glob.has_magic(head):
        head = os.path.dirname(head)
    return head or "."


def _reads(message: Message, path: str) -> Iterator[tuple[algebra_pb2.ReadRel, str]]:
    """Every ReadRel anywhere inside ``message`` (relations, subqueries), with its path."""
    if isinstance(message, algebra_pb2.ReadRel):
        yield message, path
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        name = f"{path}.{fd.name}" if path else fd.name
        if fd.is_repeated:
            if fd.message_type.GetOptions().map_entry:
                continue
            for i, item in enumerate(value):
                yield from _reads(item, f"{name}[{i}]")
        else:
            yield from _reads(value, name)
