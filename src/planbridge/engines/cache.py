"""Translation cache: a plan run again skips decoding, binding and translating to SQL.

A service or a feature pipeline runs the same plan many times. The SQL an engine runs is a
pure function of three things: the plan's bytes, the engine's translator, and what the
translator's :class:`~planbridge.engines.sql.sources.Sources` answered for each read (the
registered table name, the columns it reads and the widening casts, all derived from the
bound table's schema). An entry records those answers; a later execution of the same plan
asks its own table binder the same questions in the same order (which registers the data
of this execution exactly as a fresh translation would) and reuses the SQL only when every
answer is equal. A table that changed schema, or another table under the same name with
another schema, answers differently and the plan is translated again.

The cache is a bounded LRU, shared by threads (the Flight service runs queries on threads);
entries are never mutated after they are stored.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from planbridge.consumer import ir
from planbridge.engines.sql.sources import Sources, SourceTable

#: One question the translator asked its sources: (method name, read relation, answer).
Read = tuple[str, ir.Rel, SourceTable | None]


@dataclass(frozen=True)
class Entry:
    """A translated plan: the bound tree, its SQL, and the source answers the SQL relies on."""

    bound: ir.BoundPlan
    sql: str
    reads: tuple[Read, ...]


class RecordingSources:
    """Passes the translator's questions to ``inner`` and records them with the answers."""

    def __init__(self, inner: Sources) -> None:
        self.inner = inner
        self.reads: list[Read] = []

    def _ask(self, kind: str, rel: Any) -> Any:
        answer = getattr(self.inner, kind)(rel)
        self.reads.append((kind, rel, answer))
        return answer

    def named_table(self, rel: ir.NamedTableRead) -> SourceTable:
        return self._ask("named_table", rel)

    def local_files(self, rel: ir.LocalFilesRead) -> SourceTable:
        return self._ask("local_files", rel)

    def virtual_table(self, rel: ir.VirtualTableRead) -> SourceTable | None:
        return self._ask("virtual_table", rel)


#: Larger plans (inline rows, mostly) are not kept: memory, and translation is not their cost.
MAX_CACHED_PLAN_BYTES = 1 << 20


def plan_key(plan: Any) -> bytes | None:
    """A digest of the plan's bytes: the raw bytes given, else its deterministic encoding.

    None for inputs that are not plans (the caller then reports the error uncached) and for
    plans over :data:`MAX_CACHED_PLAN_BYTES`."""
    if isinstance(plan, bytes | bytearray | memoryview):
        data = bytes(plan)
    else:
        proto = getattr(plan, "proto", None)
        if proto is None:
            return None
        data = proto.SerializeToString(deterministic=True)
    if len(data) > MAX_CACHED_PLAN_BYTES:
        return None
    return hashlib.blake2b(data, digest_size=20).digest()


class TranslationCache:
    """LRU of :class:`Entry` keyed by (plan digest, engine class)."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[tuple[bytes, type], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def _get(self, key: tuple[bytes, type]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: tuple[bytes, type], entry: Entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > max(self.maxsize, 0):
                self._entries.popitem(last=False)

    def _count(self, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def prepare(
        self,
        plan: Any,
        engine: Any,
        tables: Mapping[str, Any] | None,
        bind: Callable[[Any, str], ir.BoundPlan],
    ) -> tuple[ir.BoundPlan, str]:
        """The bound plan and the SQL ``engine`` runs for it, registering this execution's
        data with ``engine``; ``bind(plan, engine_name)`` binds on a miss."""
        digest = plan_key(plan) if self.maxsize > 0 else None
        key = (digest, type(engine)) if digest is not None else None
        entry = self._get(key) if key is not None else None
        bound = entry.bound if entry is not None else bind(plan, engine.name)
        engine.prepare(bound)
        binder = engine.binder(tables)
        if entry is not None and all(
            getattr(binder, kind)(rel) == answer for kind, rel, answer in entry.reads
        ):
            self._count(True)
            return bound, entry.sql
        self._count(False)
        recorder = RecordingSources(binder)
        sql = engine.translate(bound, recorder)
        if key is not None:
            self._put(key, Entry(bound, sql, tuple(recorder.reads)))
        return bound, sql


class SchemaMemo:
    """Answers that are pure functions of a key and an Arrow schema (compared by equality),
    remembered for a plan run again or another plan over the same data: a read's column
    match, a bound plan's result schema. :meth:`get` / :meth:`put` key by an object's
    identity (the entry holds the object, so its id stays unique while it is remembered);
    :meth:`lookup` / :meth:`store` by a hashable key. A bounded LRU shared by threads."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Any, tuple[Any, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, owner: Any, schema: Any) -> Any | None:
        entry = self._entry(id(owner), schema)
        return entry[2] if entry is not None and entry[0] is owner else None

    def put(self, owner: Any, schema: Any, answer: Any) -> None:
        self._store(id(owner), (owner, schema, answer))

    def lookup(self, key: Any, schema: Any) -> Any | None:
        entry = self._entry(key, schema)
        return None if entry is None else entry[2]

    def store(self, key: Any, schema: Any, answer: Any) -> None:
        self._store(key, (None, schema, answer))

    def _entry(self, key: Any, schema: Any) -> tuple[Any, Any, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] is not schema and not entry[1].equals(schema):
            return None
        return entry

    def _store(self, key: Any, entry: tuple[Any, Any, Any]) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
