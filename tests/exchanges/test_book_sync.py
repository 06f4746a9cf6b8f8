"""Our own book check (BookSync over the core's OrderBook) on recorded native book streams of
every venue: a clean capture gives zero false gaps; a dropped or corrupted message makes the
book invalid and silent until a new snapshot makes it valid again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from quantum.errors import ConfigError
from quantum.exchanges.binanceusdm.parse import parse_book_snapshot
from quantum.exchanges.binanceusdm.parse import parse_ws_message as binance_parse
from quantum.exchanges.bybit.parse import parse_ws_message as bybit_parse
from quantum.exchanges.common.book_sync import BookSync, book_venue
from quantum.exchanges.common.types import BookMessage, Tick
from quantum.exchanges.kraken.parse import parse_ws_message as kraken_parse
from quantum.exchanges.krakenfutures.parse import parse_ws_message as kf_parse
from quantum.exchanges.okx.parse import parse_ws_message as okx_parse

from .captures import cryptofeed_jsonl, cryptofeed_text, hftbacktest_lines


def _books(events: Iterator[BookMessage | object], symbol: str) -> list[BookMessage]:
    return [e for e in events if isinstance(e, BookMessage) and e.symbol == symbol]


def binance_messages() -> list[BookMessage]:
    out: list[BookMessage] = []
    for ts, raw in list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))[:6000]:
        msg = orjson.loads(raw)
        if "stream" not in msg:
            out.append(parse_book_snapshot(msg, "BTCUSDT", ts))
        else:
            out += _books(iter(binance_parse(msg, ts)), "BTCUSDT")
    return out


def bybit_messages() -> list[BookMessage]:
    events = (
        e
        for conn, ts, m in cryptofeed_jsonl("cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz")
        if conn == "BYBIT.ws.2"
        for e in bybit_parse(m, ts)
    )
    return _books(events, "BTCUSDT")


def okx_messages() -> list[BookMessage]:
    events = (
        e for ts, m in cryptofeed_text("cryptofeed_OKX.ws.1.0.txt.gz") for e in okx_parse(m, ts)
    )
    return _books(events, "BTC-USDT")


def kraken_messages() -> list[BookMessage]:
    events = (
        e
        for ts, m in cryptofeed_text("cryptofeed_KRAKEN.ws.50.0.txt.gz")
        if isinstance(m, list) and m[-1] == "XBT/CHF"
        for e in kraken_parse(m, ts)
    )
    return _books(events, "XBT/CHF")


def krakenfutures_messages() -> list[BookMessage]:
    events = (
        e
        for ts, m in cryptofeed_text("cryptofeed_KRAKEN_FUTURES.ws.1.0.txt.gz")
        for e in kf_parse(m, ts)
    )
    return _books(events, "PI_ETHUSD")


# venue, symbol, messages, max_depth (Kraken's subscribed depth), how the fault shows
CASES: list[tuple[str, str, Callable[[], list[BookMessage]], int | None, str]] = [
    ("binanceusdm", "BTCUSDT", binance_messages, None, "gaps"),
    ("bybit", "BTCUSDT", bybit_messages, None, "gaps"),
    ("okx", "BTC-USDT", okx_messages, None, "checksum_failures"),
    ("kraken", "XBT/CHF", kraken_messages, 1000, "checksum_failures"),
    ("krakenfutures", "PI_ETHUSD", krakenfutures_messages, None, "gaps"),
]
IDS = [c[0] for c in CASES]


def _feed(sync: BookSync, msgs: list[BookMessage]) -> list[Tick]:
    return [t for m in msgs if (t := sync.apply(m)) is not None]


def _snapshot_of(ref: BookSync, at: BookMessage) -> BookMessage:
    """The venue's snapshot as of message ``at``: the clean reference book's levels."""
    assert ref.book is not None and ref.valid
    bids, asks = ref.book.top(100_000)
    texts: dict[str, list[tuple[str, str]] | None] = {"bids_text": None, "asks_text": None}
    if ref.venue.rule == "kraken":
        # Kraken's snapshot prints the pair's decimals (5 for prices, 8 for volumes here).
        texts = {
            "bids_text": [(f"{p:.5f}", f"{q:.8f}") for p, q in bids],
            "asks_text": [(f"{p:.5f}", f"{q:.8f}") for p, q in asks],
        }
    return BookMessage(
        ts_event=at.ts_event,
        ts_recv=at.ts_recv,
        symbol=at.symbol,
        is_snapshot=True,
        first_id=at.last_id,
        last_id=at.last_id,
        prev_id=None,
        bids=bids,
        asks=asks,
        **texts,
    )


@pytest.mark.parametrize(("venue", "symbol", "source", "depth", "_fault"), CASES, ids=IDS)
def test_clean_capture_has_no_false_gaps(
    shared_data: Path,
    venue: str,
    symbol: str,
    source: Callable[[], list[BookMessage]],
    depth: int | None,
    _fault: str,
) -> None:
    msgs = source()
    sync = BookSync(venue, symbol, max_depth=depth)
    ticks = _feed(sync, msgs)
    st = sync.status()
    assert (st["gaps"], st["checksum_failures"], st["book_errors"], st["resyncs"]) == (0, 0, 0, 0)
    assert sync.valid and st["snapshots"] == 1
    assert st["updates"] > 90
    # A quote tick after the snapshot and after every applied delta (none has an empty side);
    # Binance deltas buffered before its REST snapshot are replayed with it: one tick for all.
    assert st["updates"] - 3 <= len(ticks) <= st["updates"] + 1
    last = ticks[-1]
    assert last.symbol == symbol and last.bid is not None and last.ask is not None
    assert last.bid < last.ask
    assert (last.bid, last.bid_qty) == sync.book.best_bid  # type: ignore[union-attr]


@pytest.mark.parametrize(("venue", "symbol", "source", "depth", "fault"), CASES, ids=IDS)
def test_lost_or_corrupted_message_invalidates_until_a_new_snapshot(
    shared_data: Path,
    venue: str,
    symbol: str,
    source: Callable[[], list[BookMessage]],
    depth: int | None,
    fault: str,
) -> None:
    msgs = source()
    first = next(i for i, m in enumerate(msgs) if m.is_snapshot)
    # Deltas that change the book after the snapshot (Binance sends stale ones first).
    ref = BookSync(venue, symbol, max_depth=depth)
    applied_at: list[int] = []
    for i, m in enumerate(msgs):
        before = ref.updates
        ref.apply(m)
        if i > first and ref.updates > before:
            applied_at.append(i)
    bad = applied_at[20]
    if fault == "checksum_failures":
        bad = next(i for i in applied_at[20:] if msgs[i].checksum is not None)

    sync = BookSync(venue, symbol, max_depth=depth)
    assert _feed(sync, msgs[:bad])
    assert sync.valid
    if fault == "checksum_failures":
        # Corrupted in transit: the checksum no longer matches the book (OKX and Kraken are
        # guarded by checksums; a lost message would show at the next one whose top it moves).
        corrupt = replace(msgs[bad], checksum=(msgs[bad].checksum or 0) ^ 0x5A5A)
        assert sync.apply(corrupt) is None
    # else: the message at `bad` is lost; the next one breaks the sequence.
    rest = bad + 1
    later = msgs[rest : rest + 30]
    # Nothing leaves an invalid book, whatever arrives, until a snapshot.
    assert _feed(sync, later) == []
    assert not sync.valid and sync.needs_snapshot
    assert sync.status()[fault] == 1
    assert sync.status()["last_error"]

    # The resync: the venue's book as of some point (Binance: REST, older than the buffered
    # deltas, which are replayed on top; the others: a fresh snapshot on resubscribe).
    resume = rest + 30
    at = rest + 10 if book_venue(venue).snapshot == "rest" else resume - 1
    reference = BookSync(venue, symbol, max_depth=depth)
    _feed(reference, msgs[: at + 1])
    tick = sync.apply(_snapshot_of(reference, msgs[at]))
    assert tick is not None and sync.valid
    assert sync.status()["resyncs"] == 1
    ticks = _feed(sync, msgs[resume:])
    _feed(reference, msgs[at + 1 :])
    assert sync.valid and sync.status()[fault] == 1
    assert sync.book.top(10) == reference.book.top(10)  # type: ignore[union-attr]
    if resume < len(msgs):
        assert ticks


def test_book_sync_refuses_unknown_venue_and_foreign_symbol() -> None:
    with pytest.raises(ConfigError):
        BookSync("nasdaq", "AAPL")
    sync = BookSync("bybit", "BTCUSDT")
    with pytest.raises(ConfigError):
        sync.apply(BookMessage(1, 1, "ETHUSDT", True, 1, 1, None, [(1.0, 1.0)], [(2.0, 1.0)]))


def test_delta_before_any_snapshot_is_buffered_or_dropped() -> None:
    delta = BookMessage(1, 1, "BTCUSDT", False, 5, 6, 4, [(1.0, 1.0)], [])
    binance = BookSync("binanceusdm", "BTCUSDT")
    assert binance.apply(delta) is None and binance.status()["buffered"] == 1
    bybit = BookSync("bybit", "BTCUSDT")
    assert bybit.apply(delta) is None and bybit.status()["dropped"] == 1
    # Binance: a REST snapshot at id 5 then picks up the buffered delta 5..6.
    snap = BookMessage(2, 2, "BTCUSDT", True, 5, 5, None, [(0.5, 1.0)], [(2.0, 1.0)])
    tick = binance.apply(snap)
    assert tick is not None and (tick.bid, tick.bid_qty) == (1.0, 1.0)
    assert binance.status()["updates"] == 1 and binance.status()["resyncs"] == 0


def test_invalidate_from_outside_silences_the_book_until_a_snapshot() -> None:
    sync = BookSync("bybit", "BTCUSDT")
    snap = BookMessage(1, 1, "BTCUSDT", True, 7, 7, None, [(99.0, 1.0)], [(101.0, 1.0)])
    assert sync.apply(snap) is not None
    sync.invalidate("malformed book message: no bids")
    assert not sync.valid and sync.needs_snapshot
    assert sync.status()["book_errors"] == 1 and sync.status()["last_error"].startswith("malformed")
    assert sync.apply(BookMessage(2, 2, "BTCUSDT", False, 8, 8, None, [(99.5, 1.0)], [])) is None
    assert sync.apply(replace(snap, first_id=9, last_id=9)) is not None
    assert sync.valid and sync.status()["resyncs"] == 1
