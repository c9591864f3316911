"""A deterministic, seeded Nexmark event generator (persons, auctions, bids), vectorised.

A plain Python/NumPy reimplementation of the Nexmark reference generator (the
``nexmark-flink`` ``NexmarkGenerator`` and its ``Person/Auction/BidGenerator``): the same
event mix (per 50 events: 1 person, 3 auctions, 46 bids), the same id schemes (first
person/auction id 1000, categories 10..14, hot sellers / auctions / bidders, in-flight
auctions and active people), the same price distribution (``round(10 ** (6 u) * 100)``),
the same ``date_time`` progression (``base_time + floor(n * 1e6 / rate) / 1000`` ms), the
same ``extra`` padding towards the average event sizes (200 / 500 / 100 bytes) and the
same channels / urls. Randomness comes from NumPy's PCG64 seeded with ``seed`` (the
reference uses an unseeded ``java.util.Random``), so the same config gives identical
events and identical files.

The events form one unified ``event`` stream (``EVENT_SCHEMA``): ``event_type`` (0 person,
1 auction, 2 bid), the person / auction / bid fields as flat nullable columns (prefixed
``person_``, ``auction_``, ``bid_``), and the shared ``date_time`` and ``extra``. Flat
columns are readable by every engine from Parquet (DuckDB, DataFusion) and from CSV and
JSON lines (Flink's built-in formats). :func:`flink_ddl` and :func:`duckdb_views` declare the
``person`` / ``auction`` / ``bid`` views the Nexmark queries use.

Out-of-order arrival: with ``max_delay_ms > 0`` a fraction ``delayed_fraction`` of the
events is delayed by a uniform ``1..max_delay_ms`` ms and the stream is ordered by arrival
time ``date_time + delay`` (ties by event number). Every event then arrives at most
``max_delay_ms`` behind the largest ``date_time`` seen before it, so a watermark
``date_time - INTERVAL d`` with ``d > max_delay_ms`` never makes an event late.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

FIRST_PERSON_ID = 1000
FIRST_AUCTION_ID = 1000
FIRST_CATEGORY_ID = 10
NUM_CATEGORIES = 5
PERSON_ID_LEAD = 10
AUCTION_ID_LEAD = 10
HOT_SELLER_RATIO = 100  # hot sellers: the first person of each batch of 100
HOT_AUCTION_RATIO = 100  # hot auctions: the first auction of each batch of 100
HOT_BIDDER_RATIO = 100  # hot bidders: the second person of each batch of 100
HOT_CHANNELS_RATIO = 2
CHANNELS_NUMBER = 10_000
HOT_CHANNELS = ("Google", "Facebook", "Baidu", "Apple")
MIN_STRING_LENGTH = 3

US_STATES = ("AZ", "CA", "ID", "OR", "WA", "WY")
US_CITIES = (
    "Phoenix",
    "Los Angeles",
    "San Francisco",
    "Boise",
    "Portland",
    "Bend",
    "Redmond",
    "Seattle",
    "Kent",
    "Cheyenne",
)
FIRST_NAMES = (
    "Peter",
    "Paul",
    "Luke",
    "John",
    "Saul",
    "Vicky",
    "Kate",
    "Julie",
    "Sarah",
    "Deiter",
    "Walter",
)
LAST_NAMES = (
    "Shultz",
    "Abrams",
    "Spencer",
    "White",
    "Bartels",
    "Walton",
    "Smith",
    "Jones",
    "Noris",
)

PERSON, AUCTION, BID = 0, 1, 2

#: Events generated per random stream; fixed so output does not depend on batch sizes.
CHUNK_EVENTS = 1 << 17

_TS = pa.timestamp("ms")
EVENT_SCHEMA = pa.schema(
    [
        pa.field("event_type", pa.int32(), nullable=False),
        pa.field("person_id", pa.int64()),
        pa.field("person_name", pa.string()),
        pa.field("person_email_address", pa.string()),
        pa.field("person_credit_card", pa.string()),
        pa.field("person_city", pa.string()),
        pa.field("person_state", pa.string()),
        pa.field("auction_id", pa.int64()),
        pa.field("auction_item_name", pa.string()),
        pa.field("auction_description", pa.string()),
        pa.field("auction_initial_bid", pa.int64()),
        pa.field("auction_reserve", pa.int64()),
        pa.field("auction_expires", _TS),
        pa.field("auction_seller", pa.int64()),
        pa.field("auction_category", pa.int64()),
        pa.field("bid_auction", pa.int64()),
        pa.field("bid_bidder", pa.int64()),
        pa.field("bid_price", pa.int64()),
        pa.field("bid_channel", pa.string()),
        pa.field("bid_url", pa.string()),
        pa.field("date_time", _TS, nullable=False),
        pa.field("extra", pa.string(), nullable=False),
    ]
)

_FLINK_TYPES = {
    pa.int32(): "INT",
    pa.int64(): "BIGINT",
    pa.string(): "STRING",
    _TS: "TIMESTAMP(3)",
}

#: The views the Nexmark queries read: (view, event_type, [(column, source column)]).
VIEWS: tuple[tuple[str, int, tuple[tuple[str, str], ...]], ...] = (
    (
        "person",
        PERSON,
        (
            ("id", "person_id"),
            ("name", "person_name"),
            ("email_address", "person_email_address"),
            ("credit_card", "person_credit_card"),
            ("city", "person_city"),
            ("state", "person_state"),
            ("date_time", "date_time"),
            ("extra", "extra"),
        ),
    ),
    (
        "auction",
        AUCTION,
        (
            ("id", "auction_id"),
            ("item_name", "auction_item_name"),
            ("description", "auction_description"),
            ("initial_bid", "auction_initial_bid"),
            ("reserve", "auction_reserve"),
            ("date_time", "date_time"),
            ("expires", "auction_expires"),
            ("seller", "auction_seller"),
            ("category", "auction_category"),
            ("extra", "extra"),
        ),
    ),
    (
        "bid",
        BID,
        (
            ("auction", "bid_auction"),
            ("bidder", "bid_bidder"),
            ("price", "bid_price"),
            ("channel", "bid_channel"),
            ("url", "bid_url"),
            ("date_time", "date_time"),
            ("extra", "extra"),
        ),
    ),
)


@dataclass(frozen=True)
class NexmarkConfig:
    """What to generate. Defaults are the Nexmark reference configuration's.

    ``events``: how many events; ``rate``: events per second of event time (the reference's
    ``firstEventRate``; at most 1000 gives every event its own millisecond);
    ``base_time``: ``date_time`` of event 0 (UTC); ``max_delay_ms`` / ``delayed_fraction``:
    out-of-order arrival (see the module docstring).
    """

    events: int = 10_000
    seed: int = 0
    rate: int = 10_000
    base_time: dt.datetime = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    person_proportion: int = 1
    auction_proportion: int = 3
    bid_proportion: int = 46
    avg_person_bytes: int = 200
    avg_auction_bytes: int = 500
    avg_bid_bytes: int = 100
    hot_auction_ratio: int = 2
    hot_sellers_ratio: int = 4
    hot_bidders_ratio: int = 4
    num_in_flight_auctions: int = 100
    num_active_people: int = 1000
    max_delay_ms: int = 0
    delayed_fraction: float = 0.1

    @property
    def total_proportion(self) -> int:
        """Events per epoch (50 by default)."""
        return self.person_proportion + self.auction_proportion + self.bid_proportion

    @property
    def base_time_ms(self) -> int:
        """``base_time`` as milliseconds since the epoch."""
        return int(self.base_time.timestamp() * 1000)

    def with_(self, **changes: object) -> NexmarkConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Id schemes (vectorised versions of the reference's helpers)
# ---------------------------------------------------------------------------------------
def timestamp_ms(cfg: NexmarkConfig, event_number: np.ndarray) -> np.ndarray:
    """``date_time`` (ms since epoch) of the given event numbers."""
    delay_us = 1_000_000.0 / cfg.rate
    return cfg.base_time_ms + (event_number * delay_us).astype(np.int64) // 1000


def last_base0_person_id(cfg: NexmarkConfig, event_id: np.ndarray) -> np.ndarray:
    """The last person id (base 0) generated at or before ``event_id``."""
    epoch, offset = np.divmod(event_id, cfg.total_proportion)
    offset = np.minimum(offset, cfg.person_proportion - 1)
    return epoch * cfg.person_proportion + offset


def last_base0_auction_id(cfg: NexmarkConfig, event_id: np.ndarray) -> np.ndarray:
    """The last auction id (base 0) generated at or before ``event_id``."""
    epoch, offset = np.divmod(event_id, cfg.total_proportion)
    person = offset < cfg.person_proportion
    bid = offset >= cfg.person_proportion + cfg.auction_proportion
    epoch = np.where(person, epoch - 1, epoch)
    offset = np.where(person | bid, cfg.auction_proportion - 1, offset - cfg.person_proportion)
    return epoch * cfg.auction_proportion + offset


def _next_base0_person_id(
    cfg: NexmarkConfig, event_id: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random active person (or one of a few not yet created), base 0."""
    num_people = last_base0_person_id(cfg, event_id) + 1
    active = np.minimum(num_people, cfg.num_active_people)
    n = (rng.random(len(event_id)) * (active + PERSON_ID_LEAD)).astype(np.int64)
    return num_people - active + n


def _next_base0_auction_id(
    cfg: NexmarkConfig, event_id: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random in-flight auction (or one of a few not yet created), base 0."""
    last = last_base0_auction_id(cfg, event_id)
    low = np.maximum(last - cfg.num_in_flight_auctions, 0)
    span = last - low + 1 + AUCTION_ID_LEAD
    return low + (rng.random(len(event_id)) * span).astype(np.int64)


def _next_price(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.round(10.0 ** (rng.random(n) * 6.0) * 100.0).astype(np.int64)


# ---------------------------------------------------------------------------------------
# Strings, built straight into Arrow buffers
# ---------------------------------------------------------------------------------------
def _strings_from_matrix(chars: np.ndarray, lengths: np.ndarray) -> pa.StringArray:
    """Row ``i`` of the ``uint8`` matrix ``chars``, cut to ``lengths[i]``, as Arrow strings."""
    n, width = chars.shape
    lengths = lengths.astype(np.int64)
    mask = np.arange(width)[None, :] < lengths[:, None]
    data = chars[mask].tobytes()
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))


def _next_strings(
    rng: np.random.Generator, n: int, max_length: int, space: int = 32
) -> pa.StringArray:
    """Random strings of 3..max_length-1 letters with ~1/13 spaces (never at either end)."""
    lengths = MIN_STRING_LENGTH + (rng.random(n) * (max_length - MIN_STRING_LENGTH)).astype(
        np.int64
    )
    width = max_length - 1
    chars = rng.integers(0, 26, size=(n, width), dtype=np.uint8) + np.uint8(97)
    spaces = rng.integers(0, 13, size=(n, width), dtype=np.uint8) == 0
    spaces[:, 0] = False
    spaces[np.arange(n), lengths - 1] = False
    chars[spaces] = space
    return _strings_from_matrix(chars, lengths)


def _next_extra(rng: np.random.Generator, current: np.ndarray, average: int) -> pa.StringArray:
    """Letters padding each event towards ``average`` bytes (+-20%), as the reference does."""
    desired = average - current.astype(np.int64)
    delta = np.round(desired * 0.2).astype(np.int64)
    low = desired - delta
    size = low + (rng.random(len(current)) * (2 * delta)).astype(np.int64)
    size = np.where(current > average, 0, size)
    width = int(size.max()) if len(size) else 0
    chars = rng.integers(0, 26, size=(len(current), max(width, 1)), dtype=np.uint8) + np.uint8(97)
    return _strings_from_matrix(chars, size)


def _pick(values: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(values)).cast(
        pa.string()
    )


def _channel_urls(seed: int) -> tuple[list[str], list[str]]:
    """The hot channels' urls and the 10000 other channels' urls (seeded)."""
    rng = np.random.default_rng([seed, 0x5EED])

    def base_urls(n: int) -> list[str]:
        parts = [_next_strings(rng, n, 5, space=ord("_")).to_pylist() for _ in range(3)]
        return [
            f"https://www.nexmark.com/{a}/{b}/{c}/item.htm?query=1"
            for a, b, c in zip(*parts, strict=True)
        ]

    hot = base_urls(len(HOT_CHANNELS))
    other = base_urls(CHANNELS_NUMBER)
    with_id = rng.integers(0, 10, size=CHANNELS_NUMBER) > 0
    for c in range(CHANNELS_NUMBER):
        if with_id[c]:
            other[c] += f"&channel_id={_reverse_int32_abs(c)}"
    return hot, other


def _reverse_int32_abs(v: int) -> int:
    """``Math.abs(Integer.reverse(v))`` of Java."""
    r = int(f"{v & 0xFFFFFFFF:032b}"[::-1], 2)
    if r >= 1 << 31:
        r -= 1 << 32
    return abs(r) if r != -(1 << 31) else r


# ---------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------
def _persons(cfg: NexmarkConfig, ids: np.ndarray, ts: np.ndarray, rng: np.random.Generator) -> dict:
    n = len(ids)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    names = pa.array(
        [f"{FIRST_NAMES[a]} {LAST_NAMES[b]}" for a, b in zip(first, last, strict=True)], pa.string()
    )
    user = _next_strings(rng, n, 7)
    domain = _next_strings(rng, n, 5)
    email = pa.array(
        [f"{u}@{d}.com" for u, d in zip(user.to_pylist(), domain.to_pylist(), strict=True)],
        pa.string(),
    )
    digits = rng.integers(0, 10_000, size=(n, 4))
    card = pa.array(
        [f"{a:04d} {b:04d} {c:04d} {d:04d}" for a, b, c, d in digits.tolist()], pa.string()
    )
    city_i = rng.integers(0, len(US_CITIES), n)
    state_i = rng.integers(0, len(US_STATES), n)
    city, state = _pick(US_CITIES, city_i), _pick(US_STATES, state_i)
    current = (
        8
        + np.array(
            [len(FIRST_NAMES[a]) + 1 + len(LAST_NAMES[b]) for a, b in zip(first, last, strict=True)]
        )
        + np.array([len(s) for s in email.to_pylist()])
        + 19
        + np.array([len(US_CITIES[i]) for i in city_i])
        + 2
    )
    return {
        "person_id": pa.array(last_base0_person_id(cfg, ids) + FIRST_PERSON_ID),
        "person_name": names,
        "person_email_address": email,
        "person_credit_card": card,
        "person_city": city,
        "person_state": state,
        "extra": _next_extra(rng, current, cfg.avg_person_bytes),
    }


def _auctions(
    cfg: NexmarkConfig, ids: np.ndarray, ts: np.ndarray, rng: np.random.Generator
) -> dict:
    n = len(ids)
    hot = rng.integers(0, cfg.hot_sellers_ratio, n) > 0
    hot_seller = (last_base0_person_id(cfg, ids) // HOT_SELLER_RATIO) * HOT_SELLER_RATIO
    seller = np.where(hot, hot_seller, _next_base0_person_id(cfg, ids, rng)) + FIRST_PERSON_ID
    category = FIRST_CATEGORY_ID + rng.integers(0, NUM_CATEGORIES, n)
    initial = _next_price(rng, n)
    # Auctions last on average until numInFlightAuctions more auctions have been created.
    ahead = (cfg.num_in_flight_auctions * cfg.total_proportion) // cfg.auction_proportion
    horizon = timestamp_ms(cfg, ids + ahead) - ts
    length = 1 + (rng.random(n) * np.maximum(horizon * 2, 1)).astype(np.int64)
    name = _next_strings(rng, n, 20)
    desc = _next_strings(rng, n, 100)
    reserve = initial + _next_price(rng, n)
    current = 8 + _lengths(name) + _lengths(desc) + 40
    return {
        "auction_id": pa.array(last_base0_auction_id(cfg, ids) + FIRST_AUCTION_ID),
        "auction_item_name": name,
        "auction_description": desc,
        "auction_initial_bid": pa.array(initial),
        "auction_reserve": pa.array(reserve),
        "auction_expires": pa.array(ts + length, _TS),
        "auction_seller": pa.array(seller),
        "auction_category": pa.array(category),
        "extra": _next_extra(rng, current, cfg.avg_auction_bytes),
    }


def _bids(
    cfg: NexmarkConfig,
    ids: np.ndarray,
    rng: np.random.Generator,
    urls: tuple[list[str], list[str]],
) -> dict:
    n = len(ids)
    hot_a = rng.integers(0, cfg.hot_auction_ratio, n) > 0
    hot_auction = (last_base0_auction_id(cfg, ids) // HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
    auction = np.where(hot_a, hot_auction, _next_base0_auction_id(cfg, ids, rng)) + FIRST_AUCTION_ID
    hot_b = rng.integers(0, cfg.hot_bidders_ratio, n) > 0
    hot_bidder = (last_base0_person_id(cfg, ids) // HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
    bidder = np.where(hot_b, hot_bidder, _next_base0_person_id(cfg, ids, rng)) + FIRST_PERSON_ID
    price = _next_price(rng, n)
    hot_c = rng.integers(0, HOT_CHANNELS_RATIO, n) > 0
    hot_i = rng.integers(0, len(HOT_CHANNELS), n)
    other_i = rng.integers(0, CHANNELS_NUMBER, n)
    # One dictionary: the hot channels first, then channel-0..channel-9999.
    index = np.where(hot_c, hot_i, len(HOT_CHANNELS) + other_i).astype(np.int32)
    channel_names = pa.array(list(HOT_CHANNELS) + [f"channel-{c}" for c in range(CHANNELS_NUMBER)])
    url_values = pa.array(urls[0] + urls[1])
    idx = pa.array(index)
    return {
        "bid_auction": pa.array(auction),
        "bid_bidder": pa.array(bidder),
        "bid_price": pa.array(price),
        "bid_channel": pa.DictionaryArray.from_arrays(idx, channel_names).cast(pa.string()),
        "bid_url": pa.DictionaryArray.from_arrays(idx, url_values).cast(pa.string()),
        "extra": _next_extra(rng, np.full(n, 32), cfg.avg_bid_bytes),
    }


def _lengths(arr: pa.StringArray) -> np.ndarray:
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    return np.diff(offsets).astype(np.int64)


def _chunk(cfg: NexmarkConfig, index: int, urls: tuple[list[str], list[str]]) -> pa.Table:
    """Events ``index * CHUNK_EVENTS ..`` (in event-number order) as a table with ``_arrival``."""
    start = index * CHUNK_EVENTS
    stop = min(start + CHUNK_EVENTS, cfg.events)
    rng = np.random.default_rng([cfg.seed, index])
    ids = np.arange(start, stop, dtype=np.int64)
    ts = timestamp_ms(cfg, ids)
    rem = ids % cfg.total_proportion
    kind = np.where(
        rem < cfg.person_proportion,
        PERSON,
        np.where(rem < cfg.person_proportion + cfg.auction_proportion, AUCTION, BID),
    ).astype(np.int32)
    parts = []
    for k, make in (
        (PERSON, lambda i, t: _persons(cfg, i, t, rng)),
        (AUCTION, lambda i, t: _auctions(cfg, i, t, rng)),
        (BID, lambda i, t: _bids(cfg, i, rng, urls)),
    ):
        sel = np.flatnonzero(kind == k)
        cols = make(ids[sel], ts[sel])
        m = len(sel)
        arrays = []
        for f in EVENT_SCHEMA:
            if f.name == "event_type":
                arrays.append(pa.array(np.full(m, k, dtype=np.int32)))
            elif f.name == "date_time":
                arrays.append(pa.array(ts[sel], _TS))
            elif f.name in cols:
                arrays.append(cols[f.name].cast(f.type))
            else:
                arrays.append(pa.nulls(m, f.type))
        arrays.append(pa.array(ids[sel]))
        parts.append(
            pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA.append(pa.field("_n", pa.int64())))
        )
    table = pa.concat_tables(parts).sort_by("_n")
    delay = np.zeros(len(ids), dtype=np.int64)
    if cfg.max_delay_ms > 0:
        delayed = rng.random(len(ids)) < cfg.delayed_fraction
        amount = rng.integers(1, cfg.max_delay_ms + 1, len(ids))
        delay = np.where(delayed, amount, 0)
    return table.append_column("_arrival", pa.array(ts + delay))


def generate(cfg: NexmarkConfig) -> Iterator[pa.Table]:
    """The events in arrival order, as tables of ``EVENT_SCHEMA`` (one or more per chunk)."""
    urls = _channel_urls(cfg.seed)
    n_chunks = -(-cfg.events // CHUNK_EVENTS)
    pending: pa.Table | None = None
    for index in range(n_chunks):
        chunk = _chunk(cfg, index, urls)
        pool = chunk if pending is None else pa.concat_tables([pending, chunk])
        pool = pool.sort_by([("_arrival", "ascending"), ("_n", "ascending")])
        if index == n_chunks - 1:
            ready, pending = pool, None
        else:
            # Later events have date_time (hence arrival) >= this chunk's last date_time.
            bound = timestamp_ms(cfg, np.array([(index + 1) * CHUNK_EVENTS - 1]))[0]
            arrival = pool.column("_arrival").to_numpy()
            cut = int(np.searchsorted(arrival, bound, side="right"))
            ready, pending = pool.slice(0, cut), pool.slice(cut)
        yield ready.drop_columns(["_n", "_arrival"])


def events_table(cfg: NexmarkConfig) -> pa.Table:
    """All events, in arrival order, as one table of ``EVENT_SCHEMA``."""
    return pa.concat_tables(list(generate(cfg))).combine_chunks()


def _write_json_lines(table: pa.Table, f: object) -> None:
    """JSON lines with Flink's SQL timestamp format; nulls omitted (they read as NULL)."""
    names = table.column_names
    ts_cols = {i for i, fld in enumerate(table.schema) if pa.types.is_timestamp(fld.type)}
    cols = []
    for i, name in enumerate(names):
        col = table.column(name)
        if i in ts_cols:
            col = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
        cols.append(col.to_pylist())
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    lines = []
    for row in zip(*cols, strict=True):
        lines.append(dumps({k: v for k, v in zip(names, row, strict=True) if v is not None}))
    f.write(("\n".join(lines) + "\n").encode())  # type: ignore[attr-defined]


FORMATS = ("parquet", "csv", "json")


def write(
    cfg: NexmarkConfig, out_dir: str | Path, formats: tuple[str, ...] = FORMATS
) -> dict[str, Path]:
    """Write the event stream (arrival order) as ``events.<fmt>`` files; returns their paths.

    Parquet for DuckDB / DataFusion, CSV (no header, empty = NULL) and JSON lines for
    Flink's filesystem connector. Timestamps in CSV/JSON are ``yyyy-MM-dd HH:mm:ss.SSS``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {fmt: out / f"events.{fmt}" for fmt in formats}
    writers: dict[str, object] = {}
    files = []
    try:
        if "parquet" in paths:
            writers["parquet"] = pq.ParquetWriter(paths["parquet"], EVENT_SCHEMA)
        if "csv" in paths:
            f = open(paths["csv"], "wb")
            files.append(f)
            writers["csv"] = f
        if "json" in paths:
            f = open(paths["json"], "wb")
            files.append(f)
            writers["json"] = f
        csv_opts = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        for table in generate(cfg):
            if "parquet" in writers:
                writers["parquet"].write_table(table)  # type: ignore[attr-defined]
            if "csv" in writers:
                pa_csv.write_csv(table, writers["csv"], csv_opts)  # type: ignore[arg-type]
            if "json" in writers:
                _write_json_lines(table, writers["json"])
    finally:
        if "parquet" in writers:
            writers["parquet"].close()  # type: ignore[attr-defined]
        for f in files:
            f.close()
    return paths


# ---------------------------------------------------------------------------------------
# DDL for the engines
# ---------------------------------------------------------------------------------------
def flink_ddl(
    path: str | Path, fmt: str = "json", watermark_delay: str = "INTERVAL '4' SECOND"
) -> list[str]:
    """``CREATE TEMPORARY TABLE event`` (filesystem connector, WATERMARK) and the three views."""
    cols = ",\n  ".join(f"`{f.name}` {_FLINK_TYPES[f.type]}" for f in EVENT_SCHEMA)
    options = {"connector": "filesystem", "path": str(path), "format": fmt}
    if fmt == "csv":
        options["csv.null-literal"] = ""
    elif fmt == "json":
        options["json.fail-on-missing-field"] = "false"
    with_ = ", ".join(f"'{k}' = '{v}'" for k, v in options.items())
    stmts = [
        f"CREATE TEMPORARY TABLE event (\n  {cols},\n"
        f"  WATERMARK FOR date_time AS date_time - {watermark_delay}\n) WITH ({with_})"
    ]
    stmts += [f"CREATE TEMPORARY VIEW {sql}" for sql in _view_bodies()]
    return stmts


def duckdb_views(parquet_path: str | Path) -> list[str]:
    """DuckDB statements: an ``event`` view over the Parquet file and the three views."""
    stmts = [f"CREATE OR REPLACE VIEW event AS SELECT * FROM read_parquet('{parquet_path}')"]
    return stmts + [f"CREATE OR REPLACE VIEW {sql}" for sql in _view_bodies()]


def _view_bodies() -> list[str]:
    out = []
    for name, kind, cols in VIEWS:
        select = ", ".join(f"{src} AS {col}" if src != col else col for col, src in cols)
        out.append(f"{name} AS SELECT {select} FROM event WHERE event_type = {kind}")
    return out


def measure_throughput(events: int = 1_000_000, seed: int = 0) -> float:
    """Events per second that :func:`generate` produces (in memory, no files)."""
    cfg = NexmarkConfig(events=events, seed=seed)
    start = time.perf_counter()
    n = sum(t.num_rows for t in generate(cfg))
    return n / (time.perf_counter() - start)
