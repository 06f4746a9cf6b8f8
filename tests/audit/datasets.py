"""Every data set in ``../shared/data`` as something ``quantum.backtest`` runs on (see
``SOURCES.md``): the klines (the perpetual's also with its funding history), the trade prints,
the L2 captures (ticks and depth merged in arrival order), and the raw WebSocket captures parsed
by the venues' own parsers."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from quantum.data import (
    TickColumns,
    load_binance_klines,
    load_binance_l2,
    load_binance_trades,
    load_funding_rates,
)
from quantum.exchanges.common.types import Tick, ticks_to_columns
from tests.exchanges.captures import cryptofeed_jsonl, cryptofeed_text, shared_data_dir

KLINES = (
    "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz",
    "binance_spot_BTCUSDT_1m_20240402-20240407.csv.gz",
    "binance_spot_BTCUSDT_1h_20170817-20240421.csv.gz",
)
L2 = (
    "binance_usdm_btcusdt_20240808.jsonl.gz",
    "binance_usdm_btcusdt_20240718.jsonl.gz",
    "binance_usdm_btcusdt_20240719.jsonl.gz",
    "binance_usdm_btcusdt_20230404.jsonl.gz",
    "binance_spot_btcusdt_20240808.jsonl.gz",
    "binance_spot_btcusdt_20240809.jsonl.gz",
)
WS = {
    "cryptofeed_BINANCE_FUTURES.ws.1.0.txt.gz": "binanceusdm",
    "cryptofeed_OKX.ws.1.0.txt.gz": "okx",
    "cryptofeed_KRAKEN.ws.50.0.txt.gz": "kraken",
    "cryptofeed_KRAKEN_FUTURES.ws.1.0.txt.gz": "krakenfutures",
    "cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz": "bybit",
}
FUNDING = "binance_usdm_BTCUSDT_funding_rate_8h_20250306-20250624.csv"


def ws_ticks(name: str, venue: str) -> TickColumns:
    """A raw WebSocket capture through its venue's native parser, as tick columns."""
    parse: Callable[..., Any] = importlib.import_module(
        f"quantum.exchanges.{venue}.parse"
    ).parse_ws_message
    if name.endswith(".jsonl.gz"):
        messages: Iterator[tuple[int, Any]] = ((ts, m) for _, ts, m in cryptofeed_jsonl(name))
    else:
        messages = cryptofeed_text(name)
    rows: list[Tick] = []
    for ts, msg in messages:
        try:
            events = parse(msg, ts)
        except Exception:  # subscription acks and the like are not market data
            continue
        rows += [e for e in events if isinstance(e, Tick)]
    rows.sort(key=lambda t: t.ts_recv)
    cols = ticks_to_columns(rows)
    names, ids = np.unique(cols.pop("symbol"), return_inverse=True)
    cols["symbol"] = ids.astype(np.uint32)
    # A venue's own event time may trail its receive time by more than the sanitizer's limit.
    cols["ts_event"] = np.minimum(cols["ts_event"], cols["ts_recv"])
    return TickColumns(cols, tuple(str(n) for n in names))


def datasets() -> dict[str, Callable[[], Any]]:
    """Name → loader of every data set."""
    d = shared_data_dir()
    out: dict[str, Callable[[], Any]] = {}
    for k in KLINES:
        out[f"klines/{k}"] = lambda k=k: load_binance_klines(d / "klines" / k)[0]

    def with_funding() -> TickColumns:
        bars, _ = load_binance_klines(d / "klines" / KLINES[0])
        schedule, _ = load_funding_rates(d / "funding_oi" / FUNDING)
        return schedule.apply_to(bars)

    out[f"funding_oi/{FUNDING} on klines"] = with_funding
    out["trades/binance_trades_hftbacktest_captures.csv.gz"] = lambda: load_binance_trades(
        d / "trades" / "binance_trades_hftbacktest_captures.csv.gz"
    )[0]
    for k in L2:
        out[f"l2_book/{k}"] = lambda k=k: load_binance_l2(d / "l2_book" / k)[0]
    for k, venue in WS.items():
        out[f"raw_ws_captures/{k}"] = lambda k=k, venue=venue: ws_ticks(k, venue)
    return out


def data_file(relative: str) -> Path:
    return shared_data_dir() / relative
