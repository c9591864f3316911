"""planbridge's streaming extension relations as Python values.

Each class is a substrait-python extension-relation detail (``to_any`` / ``from_any`` /
``derive_schema``), so builders and type inference see through them, and the decoded form
engines consume (``planbridge.streaming.describe``). Durations are microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from google.protobuf.any_pb2 import Any as AnyProto
from google.protobuf.message import DecodeError
from substrait import type_pb2 as stt
from substrait.dataframe.extension_relations import ExtensionMultiDetail, ExtensionSingleDetail

from planbridge import types as T
from planbridge._generated.streaming.v1 import streaming_pb2 as pb
from planbridge.errors import PlanValidationError

PACKAGE = "planbridge.streaming.v1"
TYPE_URL_PREFIX = "type.googleapis.com/"
WINDOW_COLUMNS = ("window_start", "window_end", "window_time")
TIME_KINDS = ("precision_timestamp", "precision_timestamp_tz")
WINDOW_TIME_LAG_MICROS = 1000  # window_time = window_end - 1 ms (Flink's rowtime of a window)

WindowKind = Literal["tumble", "hop", "cumulate", "session"]
_KINDS: dict[WindowKind, int] = {
    "tumble": pb.WindowTableFunction.KIND_TUMBLE,
    "hop": pb.WindowTableFunction.KIND_HOP,
    "cumulate": pb.WindowTableFunction.KIND_CUMULATE,
    "session": pb.WindowTableFunction.KIND_SESSION,
}
_JOIN_TYPES = {"inner": pb.TemporalJoin.JOIN_TYPE_INNER, "left": pb.TemporalJoin.JOIN_TYPE_LEFT}


def type_url(message: type) -> str:
    return TYPE_URL_PREFIX + message.DESCRIPTOR.full_name


def _unpack(detail: AnyProto, message: type, path: str) -> object:
    msg = message()
    if detail.type_url != type_url(message):
        raise PlanValidationError(
            f"detail is {detail.type_url!r}, expected {type_url(message)!r}", path
        )
    try:
        msg.ParseFromString(detail.value)
    except DecodeError as exc:
        raise PlanValidationError(
            f"{message.__name__} detail does not decode: {exc}", path
        ) from None
    return msg


def _pack(msg: object) -> AnyProto:
    out = AnyProto()
    out.Pack(msg)  # type: ignore[arg-type]
    return out


def _placeholder_names(input: stt.Type.Struct) -> list[str]:
    """Depth-first names for an input known only by its types (during type inference)."""
    return [f"_f{i}" for i in range(sum(T.count_names(t) for t in input.types))]


def _column(
    types: list[stt.Type] | tuple[stt.Type, ...], index: int, what: str, path: str
) -> stt.Type:
    if not 0 <= index < len(types):
        raise PlanValidationError(
            f"{what} {index} is out of range: the input has {len(types)} columns", path
        )
    return types[index]


def _time_type(
    types: list[stt.Type] | tuple[stt.Type, ...], index: int, what: str, path: str
) -> stt.Type:
    t = _column(types, index, what, path)
    if T.kind(t) not in TIME_KINDS:
        raise PlanValidationError(
            f"{what} {index} is {T.type_to_str(t)}; event time must be precision_timestamp<P> "
            f"or precision_timestamp_tz<P>",
            path,
        )
    return t


def window_column_type(time_type: stt.Type) -> stt.Type:
    """window_start / window_end / window_time: the time column's type, not null."""
    return T.with_nullability(time_type, False)


@dataclass(frozen=True)
class Watermark(ExtensionSingleDetail):
    """Marks ``time_column`` as the event-time attribute; watermark = max time - delay."""

    time_column: int
    delay_micros: int = 0
    input_names: tuple[str, ...] | None = field(default=None, compare=False)

    type_url: ClassVar[str] = type_url(pb.Watermark)

    def to_any(self) -> AnyProto:
        return _pack(pb.Watermark(time_column=self.time_column, delay_micros=self.delay_micros))

    @classmethod
    def from_any(cls, detail: AnyProto, path: str = "detail") -> Watermark:
        m = _unpack(detail, pb.Watermark, path)
        return cls(m.time_column, m.delay_micros)  # type: ignore[attr-defined]

    def check(self, inputs: list[tuple[stt.Type, ...]], path: str) -> None:
        _time_type(inputs[0], self.time_column, "time_column", path)
        if self.delay_micros < 0:
            raise PlanValidationError("watermark delay must not be negative", path)

    def output_types(
        self, inputs: list[tuple[stt.Type, ...]], path: str = "detail"
    ) -> tuple[stt.Type, ...]:
        self.check(inputs, path)
        return tuple(inputs[0])

    def output_names(self, input_names: list[str]) -> list[str]:
        return list(input_names)

    def derive_schema(self, input: stt.Type.Struct) -> stt.NamedStruct:
        return _named(self, [tuple(input.types)], self.input_names or _placeholder_names(input))


def processing_time_type() -> stt.Type:
    """A processing-time column: an instant with millisecond precision (Flink's
    ``TIMESTAMP_LTZ(3)`` from ``PROCTIME()``), never null."""
    return stt.Type(
        precision_timestamp_tz=stt.Type.PrecisionTimestampTZ(
            precision=3, nullability=stt.Type.NULLABILITY_REQUIRED
        )
    )


@dataclass(frozen=True)
class ProcessingTime(ExtensionSingleDetail):
    """Adds the processing-time column ``column_name`` (precision_timestamp_tz<3>)."""

    column_name: str
    input_names: tuple[str, ...] | None = field(default=None, compare=False)

    type_url: ClassVar[str] = type_url(pb.ProcessingTime)

    def to_any(self) -> AnyProto:
        return _pack(pb.ProcessingTime(column_name=self.column_name))

    @classmethod
    def from_any(cls, detail: AnyProto, path: str = "detail") -> ProcessingTime:
        m = _unpack(detail, pb.ProcessingTime, path)
        return cls(m.column_name)  # type: ignore[attr-defined]

    def check(self, inputs: list[tuple[stt.Type, ...]], path: str) -> None:
        if not self.column_name:
            raise PlanValidationError("a processing-time column needs a name", path)

    def output_types(
        self, inputs: list[tuple[stt.Type, ...]], path: str = "detail"
    ) -> tuple[stt.Type, ...]:
        self.check(inputs, path)
        return (*inputs[0], processing_time_type())

    def output_names(self, input_names: list[str]) -> list[str]:
        return [*input_names, self.column_name]

    def derive_schema(self, input: stt.Type.Struct) -> stt.NamedStruct:
        return _named(self, [tuple(input.types)], self.input_names or _placeholder_names(input))


@dataclass(frozen=True)
class Replay:
    """The streaming meaning: rows in ``arrival_column`` order, late rows dropped."""

    arrival_column: int
    watermark_delay_micros: int = 0


@dataclass(frozen=True)
class WindowTVF(ExtensionSingleDetail):
    """A windowing table function: adds window_start, window_end, window_time.

    ``slide_micros`` is hop's slide and cumulate's step; ``gap_micros`` and
    ``partition_keys`` are for sessions.
    """

    kind: WindowKind
    time_column: int
    size_micros: int = 0
    slide_micros: int = 0
    offset_micros: int = 0
    gap_micros: int = 0
    partition_keys: tuple[int, ...] = ()
    replay: Replay | None = None
    input_names: tuple[str, ...] | None = field(default=None, compare=False)

    type_url: ClassVar[str] = type_url(pb.WindowTableFunction)

    def to_any(self) -> AnyProto:
        msg = pb.WindowTableFunction(
            kind=_KINDS[self.kind],  # type: ignore[arg-type]
            time_column=self.time_column,
            size_micros=self.size_micros,
            slide_micros=self.slide_micros,
            offset_micros=self.offset_micros,
            gap_micros=self.gap_micros,
            partition_keys=list(self.partition_keys),
        )
        if self.replay is not None:
            msg.replay.arrival_column = self.replay.arrival_column
            msg.replay.watermark_delay_micros = self.replay.watermark_delay_micros
        return _pack(msg)

    @classmethod
    def from_any(cls, detail: AnyProto, path: str = "detail") -> WindowTVF:
        m = _unpack(detail, pb.WindowTableFunction, path)
        kinds = {v: k for k, v in _KINDS.items()}
        kind = kinds.get(m.kind)  # type: ignore[attr-defined]
        if kind is None:
            raise PlanValidationError(
                f"window kind {m.kind} is not one of tumble, hop, cumulate, session", path
            )  # type: ignore[attr-defined]
        replay = None
        if m.HasField("replay"):  # type: ignore[attr-defined]
            replay = Replay(m.replay.arrival_column, m.replay.watermark_delay_micros)  # type: ignore[attr-defined]
        return cls(
            kind,
            m.time_column,  # type: ignore[attr-defined]
            m.size_micros,  # type: ignore[attr-defined]
            m.slide_micros,  # type: ignore[attr-defined]
            m.offset_micros,  # type: ignore[attr-defined]
            m.gap_micros,  # type: ignore[attr-defined]
            tuple(m.partition_keys),  # type: ignore[attr-defined]
            replay,
        )

    def check(self, inputs: list[tuple[stt.Type, ...]], path: str) -> stt.Type:
        """Validate against the input types; returns the time column's type."""
        cols = inputs[0]
        t = _time_type(cols, self.time_column, "time_column", path)
        if self.kind == "session":
            if self.gap_micros <= 0:
                raise PlanValidationError("session gap must be positive", path)
            for k in self.partition_keys:
                _column(cols, k, "partition key", path)
        else:
            if self.size_micros <= 0:
                raise PlanValidationError(f"{self.kind} window size must be positive", path)
            if self.kind in ("hop", "cumulate"):
                step = "slide" if self.kind == "hop" else "step"
                if self.slide_micros <= 0:
                    raise PlanValidationError(f"{self.kind} window {step} must be positive", path)
                if self.size_micros % self.slide_micros:
                    raise PlanValidationError(
                        f"{self.kind} window size ({self.size_micros} us) must be a whole "
                        f"multiple of its {step} ({self.slide_micros} us)",
                        path,
                    )
        if self.replay is not None:
            _column(cols, self.replay.arrival_column, "arrival_column", path)
            if self.replay.watermark_delay_micros < 0:
                raise PlanValidationError("watermark delay must not be negative", path)
        if precision(t) < 3:
            raise PlanValidationError(
                f"windows need event time with millisecond precision or finer, not "
                f"{T.type_to_str(t)} (window_time is window_end - 1 ms)",
                path,
            )
        unit = 10 ** max(0, 6 - precision(t))
        for name in ("size_micros", "slide_micros", "offset_micros", "gap_micros"):
            if getattr(self, name) % unit:
                raise PlanValidationError(
                    f"{name}={getattr(self, name)} is finer than the time column's precision "
                    f"({T.type_to_str(t)})",
                    path,
                )
        return t

    def output_types(
        self, inputs: list[tuple[stt.Type, ...]], path: str = "detail"
    ) -> tuple[stt.Type, ...]:
        t = window_column_type(self.check(inputs, path))
        return (*inputs[0], t, t, t)

    def output_names(self, input_names: list[str]) -> list[str]:
        return [*input_names, *WINDOW_COLUMNS]

    def derive_schema(self, input: stt.Type.Struct) -> stt.NamedStruct:
        return _named(self, [tuple(input.types)], self.input_names or _placeholder_names(input))


@dataclass(frozen=True)
class TemporalJoin(ExtensionMultiDetail):
    """Join each probe row with the version of its key valid at the probe row's time."""

    left_time_column: int
    right_time_column: int
    left_keys: tuple[int, ...]
    right_keys: tuple[int, ...]
    type: Literal["inner", "left"] = "inner"
    input_names: tuple[str, ...] | None = field(default=None, compare=False)

    type_url: ClassVar[str] = type_url(pb.TemporalJoin)

    def to_any(self) -> AnyProto:
        return _pack(
            pb.TemporalJoin(
                type=_JOIN_TYPES[self.type],  # type: ignore[arg-type]
                left_time_column=self.left_time_column,
                right_time_column=self.right_time_column,
                left_keys=list(self.left_keys),
                right_keys=list(self.right_keys),
            )
        )

    @classmethod
    def from_any(cls, detail: AnyProto, path: str = "detail") -> TemporalJoin:
        m = _unpack(detail, pb.TemporalJoin, path)
        types = {v: k for k, v in _JOIN_TYPES.items()}
        jt = types.get(m.type)  # type: ignore[attr-defined]
        if jt is None:
            raise PlanValidationError(f"temporal join type {m.type} is not inner or left", path)  # type: ignore[attr-defined]
        return cls(
            m.left_time_column,  # type: ignore[attr-defined]
            m.right_time_column,  # type: ignore[attr-defined]
            tuple(m.left_keys),  # type: ignore[attr-defined]
            tuple(m.right_keys),  # type: ignore[attr-defined]
            jt,  # type: ignore[arg-type]
        )

    def check(self, inputs: list[tuple[stt.Type, ...]], path: str) -> None:
        if len(inputs) != 2:
            raise PlanValidationError(f"a temporal join has 2 inputs, not {len(inputs)}", path)
        lt = _time_type(inputs[0], self.left_time_column, "left_time_column", path)
        rt = _time_type(inputs[1], self.right_time_column, "right_time_column", path)
        if T.kind(lt) != T.kind(rt):
            raise PlanValidationError(
                f"probe time is {T.type_to_str(lt)} but version time is {T.type_to_str(rt)}", path
            )
        if not self.left_keys or len(self.left_keys) != len(self.right_keys):
            raise PlanValidationError(
                "a temporal join needs the same number (at least one) of left and right keys", path
            )
        for a, b in zip(self.left_keys, self.right_keys, strict=True):
            _column(inputs[0], a, "left key", path)
            _column(inputs[1], b, "right key", path)

    def output_types(
        self, inputs: list[tuple[stt.Type, ...]], path: str = "detail"
    ) -> tuple[stt.Type, ...]:
        self.check(inputs, path)
        right = inputs[1]
        if self.type == "left":
            right = tuple(T.with_nullability(t, True) for t in right)
        return (*inputs[0], *right)

    def output_names(self, input_names: list[str]) -> list[str]:
        return list(input_names)

    def derive_schema(self, inputs: list[stt.Type.Struct]) -> stt.NamedStruct:
        names = self.input_names or [n for s in inputs for n in _placeholder_names(s)]
        return _named(self, [tuple(s.types) for s in inputs], names)


StreamingRelation = Watermark | ProcessingTime | WindowTVF | TemporalJoin
DETAILS: dict[
    str, type[Watermark] | type[ProcessingTime] | type[WindowTVF] | type[TemporalJoin]
] = {c.type_url: c for c in (Watermark, ProcessingTime, WindowTVF, TemporalJoin)}


def precision(t: stt.Type) -> int:
    """Fractional-second digits of a precision timestamp type."""
    return getattr(t, T.kind(t)).precision


def to_units(micros: int, precision: int) -> int:
    """``micros`` microseconds in whole units of a timestamp precision (rounded down)."""
    if precision >= 6:
        return micros * 10 ** (precision - 6)
    return micros // 10 ** (6 - precision)


def is_replayed_session(detail: StreamingRelation) -> bool:
    """A session window over a replayed stream: no standard-Substrait form exists (a
    sequential merge), so only engines that run it themselves keep it (see lower_plan)."""
    return isinstance(detail, WindowTVF) and detail.kind == "session" and detail.replay is not None


def _named(
    detail: StreamingRelation,
    inputs: list[tuple[stt.Type, ...]],
    names: list[str] | tuple[str, ...],
) -> stt.NamedStruct:
    types = detail.output_types(inputs)
    return stt.NamedStruct(
        names=detail.output_names(list(names)),
        struct=stt.Type.Struct(types=types, nullability=stt.Type.NULLABILITY_REQUIRED),
    )
