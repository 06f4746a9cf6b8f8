"""Our own check of a venue's L2 book: native snapshots and deltas into the core's book.

ccxt.pro keeps a book of its own, but the system never trusts it: every native book message a
venue sends goes through :class:`BookSync`, which holds the compiled :class:`quantum._core.OrderBook`
with the venue's rule (SPEC §5):

============== ================== =========================================================
venue          core rule          what is checked, and where a new snapshot comes from
============== ================== =========================================================
binanceusdm    ``binance_futures`` ``U``/``u``/``pu`` chain; snapshot from REST ``/fapi/v1/depth``
bybit          ``bybit``           ``u`` = previous ``u`` + 1; snapshot by resubscribing
okx            ``okx``             ``prevSeqId`` chain and CRC32 of the top 25; resubscribe
kraken         ``kraken``          CRC32 of the top 10 (pair decimals); resubscribe
krakenfutures  ``bybit``           per-product ``seq`` = previous + 1; resubscribe
============== ================== =========================================================

A gap, a checksum mismatch or an impossible book (crossed) makes the book invalid: no quote
tick comes from it, and :attr:`BookSync.needs_snapshot` asks the feed for a new snapshot. On
REST-snapshot venues the deltas that arrive meanwhile are buffered and replayed on top of the
snapshot (the core skips the stale ones, as Binance specifies); elsewhere they are dropped until
the venue's new snapshot arrives. Each applied message on a valid book yields one quote tick from
the book's top.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final, Literal

from quantum import _core
from quantum.errors import BookError, ChecksumMismatch, ConfigError, SequenceGap
from quantum.exchanges.common.types import BookMessage, Tick

__all__ = ["BOOK_VENUES", "BookSync", "BookVenue", "SnapshotSource", "book_venue"]

SnapshotSource = Literal["rest", "ws"]


@dataclass(frozen=True)
class BookVenue:
    """How one venue's book is checked and resynced."""

    venue: str
    rule: str
    snapshot: SnapshotSource


#: Every venue with a native book rule.
BOOK_VENUES: Final[dict[str, BookVenue]] = {
    "binanceusdm": BookVenue("binanceusdm", "binance_futures", "rest"),
    "bybit": BookVenue("bybit", "bybit", "ws"),
    "okx": BookVenue("okx", "okx", "ws"),
    "kraken": BookVenue("kraken", "kraken", "ws"),
    # Kraken Futures' per-product ``seq`` goes up by one per message, like Bybit's ``u``.
    "krakenfutures": BookVenue("krakenfutures", "bybit", "ws"),
}

# Deltas kept while a REST snapshot is on its way; Binance sends ~10 a second per symbol, so
# this covers minutes of a slow snapshot before the oldest are dropped (they would be stale).
_MAX_BUFFER = 20_000


def book_venue(venue: str) -> BookVenue:
    """The book rule of ``venue``; :class:`ConfigError` for a venue without one."""
    try:
        return BOOK_VENUES[venue]
    except KeyError:
        raise ConfigError(
            f"no native book rule for {venue!r}; known: {', '.join(BOOK_VENUES)}"
        ) from None


def _decimals(text: str) -> int:
    _, dot, frac = text.partition(".")
    return len(frac) if dot else 0


class BookSync:
    """One symbol's checked book: feed it every native :class:`BookMessage` in arrival order.

    ``max_depth`` keeps that many levels a side (Kraken spot's subscribed depth, whose levels
    pushed out of the depth get no delete message).
    """

    def __init__(self, venue: str, symbol: str, *, max_depth: int | None = None) -> None:
        self.venue = book_venue(venue)
        self.symbol = symbol
        self.max_depth = max_depth
        self.book: _core.OrderBook | None = (
            None if self.venue.rule == "kraken" else self._new_book(None, None)
        )
        self._buffer: deque[BookMessage] = deque(maxlen=_MAX_BUFFER)
        self._synced_once = False
        #: Sequence gaps detected.
        self.gaps = 0
        #: Checksum mismatches detected.
        self.checksum_failures = 0
        #: Other refusals of the core (crossed book, delta before a snapshot).
        self.book_errors = 0
        #: Snapshots applied after the book had gone invalid.
        self.resyncs = 0
        #: Snapshots applied in all.
        self.snapshots = 0
        #: Deltas applied on a valid book.
        self.updates = 0
        #: Deltas ignored while waiting for a snapshot (REST venues buffer them instead).
        self.dropped = 0
        #: The reason the book last went invalid, for the feed's status.
        self.last_error: str | None = None

    def _new_book(self, price_decimals: int | None, qty_decimals: int | None) -> _core.OrderBook:
        return _core.OrderBook(
            self.venue.rule,
            price_decimals=price_decimals,
            qty_decimals=qty_decimals,
            max_depth=self.max_depth,
        )

    @property
    def valid(self) -> bool:
        """Whether the book is synced and every update since passed the venue's checks."""
        return self.book is not None and self.book.is_valid

    @property
    def needs_snapshot(self) -> bool:
        """Whether the feed must fetch (REST) or resubscribe for a new snapshot."""
        return not self.valid

    @property
    def synced_once(self) -> bool:
        """Whether a snapshot was ever applied (a WebSocket venue sends the first by itself)."""
        return self._synced_once

    def invalidate(self, reason: str) -> None:
        """Mark the book invalid from outside (a book message that did not parse)."""
        self.book_errors += 1
        self.last_error = reason
        if self.book is not None:
            self.book.invalidate()

    def apply(self, msg: BookMessage) -> Tick | None:
        """Apply one native message; the book's top as a quote tick, or ``None`` while the book
        is invalid, the message was stale, or a side is empty."""
        if msg.symbol != self.symbol:
            raise ConfigError(f"book of {self.symbol} got a message for {msg.symbol}")
        if msg.is_snapshot:
            return self._snapshot(msg)
        if not self.valid:
            if self.venue.snapshot == "rest":
                self._buffer.append(msg)
            else:
                self.dropped += 1
            return None
        if not self._update(msg):
            return None
        return self._top(msg)

    def _snapshot(self, msg: BookMessage) -> Tick | None:
        was_invalid = self._synced_once and not self.valid
        try:
            if self.venue.rule == "kraken":
                # Kraken prints every price and volume of a pair with fixed decimals; the
                # checksum is computed over those prints, so the snapshot's text says them.
                texts_b = msg.bids_text or []
                texts_a = msg.asks_text or []
                sample = (texts_a or texts_b)[:1]
                if not sample:
                    raise BookError(f"kraken {msg.symbol}: empty snapshot")
                self.book = self._new_book(_decimals(sample[0][0]), _decimals(sample[0][1]))
            book = self.book
            assert book is not None  # built in __init__ or just above
            book.apply_snapshot(msg.last_id or 0, msg.bids, msg.asks, msg.checksum)
        except BookError as exc:
            self._failed(exc)
            return None
        self.snapshots += 1
        self._synced_once = True
        if was_invalid:
            self.resyncs += 1
        self.last_error = None
        tick: Tick | None = self._top(msg)
        # Deltas buffered while a REST snapshot was on its way: the core skips the stale ones.
        while self._buffer and self.valid:
            delta = self._buffer.popleft()
            if self._update(delta):
                tick = self._top(delta)
        self._buffer.clear()
        return tick if self.valid else None

    def _update(self, msg: BookMessage) -> bool:
        book = self.book
        assert book is not None  # valid implies built
        try:
            applied = book.apply_update(
                msg.first_id or 0,
                msg.last_id or 0,
                msg.prev_id or 0,
                msg.bids,
                msg.asks,
                msg.checksum,
                msg.ts_event,
                msg.ts_recv,
            )
        except BookError as exc:
            self._failed(exc)
            if isinstance(exc, SequenceGap) and self.venue.snapshot == "rest":
                # It may be the first delta that straddles the next snapshot's id.
                self._buffer.append(msg)
            return False
        if applied:
            self.updates += 1
        return applied

    def _failed(self, exc: BookError) -> None:
        if isinstance(exc, SequenceGap):
            self.gaps += 1
        elif isinstance(exc, ChecksumMismatch):
            self.checksum_failures += 1
        else:
            self.book_errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self.book is not None:
            self.book.invalidate()

    def _top(self, msg: BookMessage) -> Tick | None:
        book = self.book
        if book is None or not book.is_valid:
            return None
        bid, ask = book.best_bid, book.best_ask
        if bid is None or ask is None:
            return None
        return Tick(
            ts_event=msg.ts_event,
            ts_recv=msg.ts_recv,
            symbol=self.symbol,
            bid=bid[0],
            ask=ask[0],
            bid_qty=bid[1],
            ask_qty=ask[1],
        )

    def status(self) -> dict[str, object]:
        """Counters and state for the feed's status (plain JSON values)."""
        return {
            "valid": self.valid,
            "gaps": self.gaps,
            "checksum_failures": self.checksum_failures,
            "book_errors": self.book_errors,
            "resyncs": self.resyncs,
            "snapshots": self.snapshots,
            "updates": self.updates,
            "dropped": self.dropped,
            "buffered": len(self._buffer),
            "last_error": self.last_error,
        }
