"""Venue order-book checksums, recomputed from a small string-keeping reference book.

OKX and Kraken guard their book streams with a CRC32 over the top levels written as the venue's
own strings. The core's book stores fixed-point numbers and is the one strategies read; this
reference book exists to validate that a parser kept the strings needed, and to verify a feed
offline. It keeps, per side, ``price -> (price_text, size_text)`` as last sent.

- OKX (https://www.okx.com/docs-v5/en/#overview-websocket-checksum): top 25 of each side,
  interleaved ``bidPx:bidSz:askPx:askSz:...`` (a shorter side simply runs out), signed CRC32.
- Kraken spot (https://docs.kraken.com/api/docs/guides/spot-ws-book-v1): top 10 asks (low to
  high) then top 10 bids (high to low); each price and volume with the ``.`` removed and leading
  zeros stripped, concatenated; unsigned CRC32. The book is kept at the subscribed depth.
"""

from __future__ import annotations

import heapq
import zlib
from dataclasses import dataclass, field

from quantum.errors import ChecksumMismatch, DataError
from quantum.exchanges.common.types import BookMessage

__all__ = ["KrakenChecksumBook", "OkxChecksumBook", "kraken_checksum", "okx_checksum"]

_Side = dict[float, tuple[str, str]]


def okx_checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """OKX's signed CRC32 over the top 25 levels; ``bids`` best first, ``asks`` best first."""
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts.append(f"{bids[i][0]}:{bids[i][1]}")
        if i < len(asks):
            parts.append(f"{asks[i][0]}:{asks[i][1]}")
    crc = zlib.crc32(":".join(parts).encode())
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def _kraken_digits(text: str) -> str:
    return text.replace(".", "").lstrip("0")


def kraken_checksum(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """Kraken's unsigned CRC32 over the top 10 asks then the top 10 bids (best first)."""
    parts = [_kraken_digits(p) + _kraken_digits(q) for p, q in asks[:10]]
    parts += [_kraken_digits(p) + _kraken_digits(q) for p, q in bids[:10]]
    return zlib.crc32("".join(parts).encode())


@dataclass
class _TextBook:
    bids: _Side = field(default_factory=dict)
    asks: _Side = field(default_factory=dict)
    has_snapshot: bool = False

    def _apply(self, msg: BookMessage) -> None:
        if msg.bids_text is None or msg.asks_text is None:
            raise DataError(f"{msg.symbol}: book message has no level strings to checksum")
        if msg.is_snapshot:
            self.bids.clear()
            self.asks.clear()
            self.has_snapshot = True
        elif not self.has_snapshot:
            raise DataError(f"{msg.symbol}: delta before any snapshot")
        for side, levels in ((self.bids, msg.bids_text), (self.asks, msg.asks_text)):
            for price_text, size_text in levels:
                price = float(price_text)
                if float(size_text) == 0.0:
                    side.pop(price, None)
                else:
                    side[price] = (price_text, size_text)

    def top(self, n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The best ``n`` bids (high to low) and asks (low to high) as sent."""
        bid_keys = heapq.nlargest(n, self.bids)
        ask_keys = heapq.nsmallest(n, self.asks)
        return [self.bids[k] for k in bid_keys], [self.asks[k] for k in ask_keys]


@dataclass
class OkxChecksumBook(_TextBook):
    """Reference book for one OKX instrument; :meth:`apply` raises on a checksum mismatch."""

    def checksum(self) -> int:
        """The checksum of the current book."""
        bids, asks = self.top(25)
        return okx_checksum(bids, asks)

    def apply(self, msg: BookMessage) -> None:
        """Apply a snapshot or update, then compare with the message's checksum if it has one."""
        self._apply(msg)
        if msg.checksum is not None:
            got = self.checksum()
            if got != msg.checksum:
                raise ChecksumMismatch(
                    f"okx {msg.symbol}: checksum {got} != venue {msg.checksum} at {msg.ts_event}"
                )


@dataclass
class KrakenChecksumBook(_TextBook):
    """Reference book for one Kraken spot pair kept at ``depth`` levels per side."""

    depth: int = 10

    def checksum(self) -> int:
        """The checksum of the current book."""
        bids, asks = self.top(10)
        return kraken_checksum(bids, asks)

    def _truncate(self) -> None:
        # Kraken sends no delete for a level pushed out of the subscribed depth; the client must
        # drop it, or a later update deeper in the book would resurface it.
        for side, keep in ((self.bids, heapq.nlargest), (self.asks, heapq.nsmallest)):
            if len(side) > self.depth:
                kept = set(keep(self.depth, side))
                for k in [k for k in side if k not in kept]:
                    del side[k]

    def apply(self, msg: BookMessage) -> None:
        """Apply a snapshot or update, truncate to depth, then verify the checksum if sent."""
        self._apply(msg)
        self._truncate()
        if msg.checksum is not None:
            got = self.checksum()
            if got != msg.checksum:
                raise ChecksumMismatch(
                    f"kraken {msg.symbol}: checksum {got} != venue {msg.checksum} at {msg.ts_event}"
                )
