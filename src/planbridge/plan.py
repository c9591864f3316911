"""Plan files: the Substrait ``Plan`` message as bytes or as the protobuf JSON mapping.

Formats are detected from the content, never from the file name, because plans arrive
from other tools with whatever name they were given. Every way reading can fail is a
:class:`~planbridge.errors.PlanReadError` that says what is wrong.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from google.protobuf import json_format, unknown_fields
from google.protobuf.message import DecodeError
from substrait import plan_pb2

from planbridge import compat
from planbridge.errors import PlanReadError

Format = Literal["json", "binary"]

# A plan this large is not a plan someone meant to send (guards services and fuzzers).
MAX_PLAN_BYTES = 256 * 1024 * 1024


class Plan:
    """A Substrait plan (``substrait.plan_pb2.Plan``) with file and wire conversions."""

    __slots__ = ("proto",)

    def __init__(self, proto: plan_pb2.Plan | None = None) -> None:
        self.proto = proto if proto is not None else plan_pb2.Plan()

    # -- bytes -------------------------------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes, *, source: str = "input", upgrade: bool = True) -> Plan:
        """Parse the binary protobuf encoding; garbage or truncation is a PlanReadError.

        ``upgrade=False`` (for binding only) skips the whole-plan pass that drops unknown
        fields and upgrades legacy ones, a fifth of decode + bind: the binder checks the
        few messages a legacy field can be in (``compat.check_current``) and asks for this
        full decode when one has unknown fields. Other unknown fields stay, unread."""
        if not data:
            raise PlanReadError(f"{source} is empty; expected a Substrait plan")
        proto = plan_pb2.Plan()
        try:
            proto.ParseFromString(data)
        except (DecodeError, RuntimeWarning, ValueError) as exc:
            raise PlanReadError(
                f"{source} is not a binary Substrait plan: {_reason(exc)} "
                f"({len(data)} bytes; truncated or not protobuf)"
            ) from None
        except RecursionError:
            raise PlanReadError(f"{source} nests messages too deeply to be a plan") from None
        _check_plausible(proto, source)
        if not upgrade and not len(unknown_fields.UnknownFieldSet(proto)):
            return cls(proto)  # (legacy extension URIs, at the top, are upgraded at once)
        return cls(compat.upgraded_binary(proto, data))

    def to_bytes(self, *, legacy_uris: bool = False) -> bytes:
        """The binary protobuf encoding (deterministic field order).

        ``legacy_uris`` also writes the pre-URN ``extension_uris`` fields for old consumers.
        """
        if legacy_uris:
            return compat.to_legacy_bytes(self.proto)
        return self.proto.SerializeToString(deterministic=True)

    # -- JSON --------------------------------------------------------------------------
    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "input") -> Plan:
        """Parse the protobuf JSON mapping; unknown fields and other messages are errors."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PlanReadError(f"{source} is not UTF-8 JSON: {exc}") from None
        if not text.strip():
            raise PlanReadError(f"{source} is empty; expected a Substrait plan")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanReadError(
                f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise PlanReadError(f"{source} nests JSON too deeply to be a plan") from None
        if not isinstance(document, dict):
            raise PlanReadError(
                f"{source} holds a JSON {type(document).__name__}, expected an object "
                "(a Substrait Plan)"
            )
        proto = plan_pb2.Plan()
        try:
            json_format.ParseDict(compat.upgrade_json(document), proto, ignore_unknown_fields=False)
        except json_format.ParseError as exc:
            raise PlanReadError(
                f"{source} is JSON but not a Substrait Plan: {_reason(exc)}"
            ) from None
        except RecursionError:
            raise PlanReadError(f"{source} nests messages too deeply to be a plan") from None
        _check_plausible(proto, source)
        return cls(proto)

    def to_json(self, *, indent: int | None = 2, legacy_uris: bool = False) -> str:
        """The protobuf JSON mapping (camelCase field names), as every Substrait tool writes."""
        document = json_format.MessageToDict(self.proto, preserving_proto_field_name=False)
        if legacy_uris:
            compat.add_legacy_json(document)
        return json.dumps(document, indent=indent)

    # -- files -------------------------------------------------------------------------
    @classmethod
    def from_data(cls, data: bytes, *, source: str = "input", upgrade: bool = True) -> Plan:
        """Parse bytes in either format, detected from the content (``upgrade``: see
        :meth:`from_bytes`; JSON is always read the full way)."""
        if not data:
            raise PlanReadError(f"{source} is empty; expected a Substrait plan")
        if len(data) > MAX_PLAN_BYTES:
            raise PlanReadError(
                f"{source} is {len(data)} bytes, over the {MAX_PLAN_BYTES}-byte plan limit"
            )
        if detect_format(data) == "json":
            return cls.from_json(data, source=source)
        return cls.from_bytes(data, source=source, upgrade=upgrade)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Plan:
        """Read a plan file in either format (detected from the content, not the name)."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            raise PlanReadError(f"{p}: no such file") from None
        except IsADirectoryError:
            raise PlanReadError(f"{p}: is a directory, expected a plan file") from None
        except OSError as exc:
            raise PlanReadError(f"{p}: cannot read: {exc.strerror or exc}") from None
        return cls.from_data(data, source=str(p))

    def save(
        self,
        path: str | os.PathLike[str],
        *,
        format: Format | None = None,
        legacy_uris: bool = False,
    ) -> None:
        """Write the plan; the format defaults to JSON for ``*.json`` names, else binary."""
        p = Path(path)
        fmt = format or ("json" if p.suffix.lower() == ".json" else "binary")
        if fmt == "json":
            p.write_text(self.to_json(legacy_uris=legacy_uris) + "\n", encoding="utf-8")
        elif fmt == "binary":
            p.write_bytes(self.to_bytes(legacy_uris=legacy_uris))
        else:
            raise ValueError(f"unknown plan format {fmt!r}; expected 'json' or 'binary'")

    # -- conveniences ------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plan) and self.proto == other.proto

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        roots = [r.root.names for r in self.proto.relations if r.HasField("root")]
        return f"<planbridge.Plan relations={len(self.proto.relations)} outputs={roots}>"

    def explain(self) -> str:
        """The relation tree with output columns and types (see ``planbridge explain``)."""
        from planbridge.explain import explain_plan

        return explain_plan(self)


def detect_format(data: bytes) -> Format:
    """``json`` when the content starts (after whitespace or a BOM) with ``{``."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "json" if head.startswith(b"{") else "binary"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def _check_plausible(proto: plan_pb2.Plan, source: str) -> None:
    """Reject protobuf that parsed (protobuf is permissive) but is clearly not a plan."""
    if not proto.relations:
        raise PlanReadError(
            f"{source} parsed as protobuf but holds no relations; it is not a Substrait plan "
            "(or it is a message of another type)"
        )
    stray = [
        f.field_number
        for f in unknown_fields.UnknownFieldSet(proto)
        if f.field_number != 1  # legacy extension_uris, upgraded by compat
    ]
    if stray:
        raise PlanReadError(
            f"{source} carries fields a Substrait Plan does not have (numbers "
            f"{sorted(set(stray))}); it is probably another protobuf message, or corrupt"
        )
