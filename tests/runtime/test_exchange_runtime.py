"""The service's runtime on an exchange feed (``quantum serve --feed exchange``), offline: the real
ccxt.pro binanceusdm code with a fake WebSocket and canned REST; recorded native depth and trade
messages drive the runtime, whose status shows the feed's connection, gaps and resyncs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

import quantum.runtime.venues as venues
from quantum.errors import BadSymbol, ConfigError, NetworkError
from quantum.exchanges.binanceusdm.parse import parse_book_snapshot
from quantum.exchanges.binanceusdm.parse import parse_ws_message as binance_parse
from quantum.exchanges.common.book_sync import BookSync
from quantum.exchanges.common.offline import OfflineWs
from quantum.runtime import Runtime, RuntimeOptions
from quantum.runtime.cli import app
from quantum.runtime.venues import exchange_feed, native_symbols, parse_channels, venue_config
from quantum.store import StoreWriter, open_store
from tests.exchanges.captures import hftbacktest_lines
from tests.exchanges.ccxt_helpers import offline_exchange


def _capture() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    snapshot: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = []
    for _, raw in list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))[:3000]:
        msg = orjson.loads(raw)
        if "stream" not in msg:
            snapshot = msg
        elif msg["data"]["e"] in ("depthUpdate", "trade"):
            messages.append(msg["data"])
    assert snapshot is not None
    return snapshot, messages


async def _no_wait(_s: float) -> None:
    await asyncio.sleep(0)


async def _until(cond: Any, what: str, rounds: int = 2000) -> None:
    for _ in range(rounds):
        if cond():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"timed out waiting for {what}")


def test_runtime_runs_on_a_checked_exchange_feed(tmp_path: Path) -> None:
    snapshot, messages = _capture()
    depth = [m for m in messages if m["e"] == "depthUpdate"]
    trades = [m for m in messages if m["e"] == "trade"]
    assert len(depth) > 100 and len(trades) > 100
    lost = next(i for i, m in enumerate(depth) if m["u"] >= snapshot["lastUpdateId"]) + 40
    # The venue's REST book after the loss: the clean book at a later delta.
    clean = BookSync("binanceusdm", "BTCUSDT")
    clean.apply(parse_book_snapshot(snapshot, "BTCUSDT", 0))
    anchor = depth[lost + 5]
    for d in depth:
        for e in binance_parse(d, 0):
            clean.apply(e)
        if d is anchor:
            break
    assert clean.book is not None
    bids, asks = clean.book.top(1000)
    resync = {
        "lastUpdateId": anchor["u"],
        "E": anchor["E"],
        "T": anchor["T"],
        "bids": [[repr(p), repr(q)] for p, q in bids],
        "asks": [[repr(p), repr(q)] for p, q in asks],
    }

    async def go() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        ex, http = offline_exchange(
            "binanceusdm",
            {"/fapi/v1/depth": snapshot},
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        await ex.load_markets()
        ws = OfflineWs(ex).install()
        feed = exchange_feed(
            "binanceusdm",
            ["BTC/USDT:USDT"],
            parse_channels("book,trades"),
            exchange=ex,
            client_options={"sleep": _no_wait},
        )
        assert feed.symbols == ("BTCUSDT",)
        store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
        writer = StoreWriter(store, tmp_path / "spool")
        runtime = Runtime(store, writer, feed, RuntimeOptions(status_interval_s=0.05))
        await runtime.start()
        try:
            # ccxt subscribes to the depth and trade streams (one frame each, maybe on
            # separate connections); acknowledge each on its own connection.
            await _until(
                lambda: sum(len(c.sent) for c in ws.connections.values()) >= 2, "subscriptions"
            )
            url_of: dict[str, str] = {}
            for url, conn in ws.connections.items():
                for frame in conn.sent:
                    ws.feed({"result": None, "id": frame["id"]}, url)
                    for param in frame["params"]:
                        url_of["depthUpdate" if "@depth" in param else "trade"] = url
            i_depth = 0
            for m in messages:
                if m["e"] == "depthUpdate":
                    i_depth += 1
                    if i_depth - 1 == lost:
                        http.routes["/fapi/v1/depth"] = resync
                        continue  # lost in transit
                ws.feed(m, url_of[m["e"]])
                await asyncio.sleep(0)
            books = feed.books
            assert books is not None
            await _until(lambda: books.books["BTCUSDT"].valid, "the book to be valid again")
            await _until(lambda: runtime.ticks_processed > 200, "ticks to be processed")
            status = runtime.status()
            market = runtime.market("binanceusdm", "BTCUSDT")
            top = books.books["BTCUSDT"].book
            assert top is not None
            return status, market, {"bid": top.best_bid, "ask": top.best_ask}
        finally:
            await runtime.stop()
            await ex.close()
            writer.close()
            store.dispose()

    status, market, top = asyncio.run(go())
    fs = status["feed_status"]
    assert status["feed_connected"] is True and fs["connected"] is True
    assert fs["native_book"] is True and fs["books_valid"] is True
    assert (fs["gaps"], fs["resyncs"], fs["checksum_failures"]) == (1, 1, 0)
    assert fs["books"]["BTCUSDT"]["resync_requests"] == 2
    assert status["ticks_processed"] > 200
    # The market view's quote is the checked book's top; trades moved the price.
    assert float(market["bid"]) == top["bid"][0] and float(market["ask"]) == top["ask"][0]
    assert market["price"] is not None


def test_venue_helpers_refuse_bad_input() -> None:
    with pytest.raises(ConfigError):
        parse_channels("book,candles")
    with pytest.raises(ConfigError):
        parse_channels(" , ")
    with pytest.raises(ConfigError, match="unknown exchange"):
        venue_config("nasdaq")
    ex, _ = offline_exchange("binanceusdm", {})
    with pytest.raises(ConfigError, match="markets are not loaded"):
        native_symbols(ex, ["BTC/USDT:USDT"])

    async def load() -> None:
        await ex.load_markets()
        await ex.close()

    asyncio.run(load())
    assert native_symbols(ex, ["BTC/USDT:USDT"]) == {"BTCUSDT": "BTC/USDT:USDT"}
    with pytest.raises(BadSymbol):
        native_symbols(ex, ["DOGE/EUR"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--feed", "exchange"], "needs --exchange and --symbols"),
        (["--feed", "exchange", "--exchange", "binanceusdm"], "needs --exchange and --symbols"),
        (["--feed", "carrier-pigeon"], "'carrier-pigeon' is not one of"),
        (
            [
                "--feed",
                "exchange",
                "--exchange",
                "okx",
                "--symbols",
                "BTC/USDT",
                "--recording",
                "x",
            ],
            "use it with --feed recording",
        ),
    ],
)
def test_serve_refuses_an_incomplete_exchange_feed(
    args: list[str], message: str, tmp_path: Path
) -> None:
    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), *args])
    assert r.exit_code == 2
    # typer draws the error in a box; its borders split long messages across lines.
    assert message in " ".join(r.output.replace("│", " ").split())


def test_serve_stops_with_one_line_when_the_venue_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(venue: str, config: Any, exchange: Any) -> None:
        raise NetworkError(f"{venue}: connection refused")

    monkeypatch.setattr(venues, "_load_markets_sync", unreachable)
    args = ["--feed", "exchange", "--exchange", "binanceusdm", "--symbols", "BTC/USDT:USDT"]
    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), *args])
    assert r.exit_code == 1
    assert "error: binanceusdm: connection refused" in r.output


@pytest.mark.parametrize(
    ("venue", "symbol", "has_them"),
    [("binanceusdm", "BTC/USDT:USDT", True), ("krakenfutures", "BTC/USD:USD", False)],
)
def test_liquidations_run_by_default_where_the_venue_has_them(
    venue: str, symbol: str, has_them: bool
) -> None:
    async def build() -> str:
        options = (
            {"options": {"fetchMarkets": {"types": ["linear"]}}} if venue == "binanceusdm" else {}
        )
        ex, _ = offline_exchange(venue, {}, options)
        await ex.load_markets()
        try:
            return exchange_feed(venue, [symbol], exchange=ex).name
        finally:
            await ex.close()

    name = asyncio.run(build())
    assert ("liquidations" in name) == has_them, name
    assert "book" in name and "trades" in name
