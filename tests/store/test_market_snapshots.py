"""Market snapshots through the writer: quote, top of book and both clocks, exact, on every backend."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from quantum.errors import DataError
from quantum.store import MarketSnapshotRecord, Store, StoreWriter
from quantum.store.repositories.market import latest_market

T0 = 1_723_161_300_000_000_000


def _snap(ts: int, price: str, **extra: object) -> MarketSnapshotRecord:
    return MarketSnapshotRecord(
        exchange_id="replay", symbol="BTCUSDT", ts_event=ts, price=Decimal(price), **extra
    )  # type: ignore[arg-type]


def test_snapshots_round_trip_through_the_writer(store: Store, tmp_path: Path) -> None:
    book = {"bids": [["61000.1", "2.5"], ["61000", "0.001"]], "asks": [["61000.2", "1"]]}
    with StoreWriter(store, tmp_path / "spool") as writer:
        writer.submit(_snap(T0, "61000.15", bid="61000.1", ask="61000.2", book=book))
        writer.submit(
            _snap(
                T0 + 1,
                "61000.2",
                ts_recv=T0 + 5_000_000,
                bid="61000.1",
                ask="61000.2",
                bid_qty="2.5",
                ask_qty="1",
                funding_rate="0.0001",
                open_interest="81234.567",
                volume_24h="123456789012.12345678",
                book=book,
            )
        )
        writer.submit(_snap(T0 + 1, "1"))  # same key: ignored
        assert writer.flush(10.0)
    with store.session() as s:
        row = latest_market(s, "replay", "BTCUSDT")
        assert row is not None
        assert (row.ts_event, row.ts_recv, row.price) == (
            T0 + 1,
            T0 + 5_000_000,
            Decimal("61000.2"),
        )
        assert (row.bid, row.ask, row.bid_qty, row.ask_qty) == (
            Decimal("61000.1"),
            Decimal("61000.2"),
            Decimal("2.5"),
            Decimal("1"),
        )
        assert row.funding_rate == Decimal("0.0001")
        assert row.volume_24h == Decimal("123456789012.12345678")
        assert row.book == {
            "bids": [["61000.10000000", "2.50000000"], ["61000.00000000", "0.00100000"]],
            "asks": [["61000.20000000", "1.00000000"]],
        }


@pytest.mark.parametrize(
    "book",
    [
        {"bids": []},
        {"bids": [], "asks": [], "extra": []},
        {"bids": [["1"]], "asks": []},
        {"bids": [[1.5, "1"]], "asks": []},
        {"bids": [["1.000000001", "1"]], "asks": []},
        {"bids": [["1", "1"]] * 21, "asks": []},
    ],
)
def test_a_bad_book_is_refused_at_submit(book: object) -> None:
    with pytest.raises(DataError):
        _snap(T0, "1", book=book)
