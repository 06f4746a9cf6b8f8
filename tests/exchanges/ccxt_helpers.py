"""Helpers to run real ccxt exchange objects offline in tests."""

from __future__ import annotations

import gzip
import importlib
import json
from typing import Any

import ccxt.pro

from quantum.exchanges.common.offline import CannedHttp

from .captures import capture_path
from .conftest import market_routes


def bybit_market_routes() -> dict[str, Any]:
    """Bybit's markets from the real ``instruments-info`` body recorded in the Bybit capture,
    cut to the four linear perpetuals the capture streams."""
    keep = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"}
    path = capture_path("cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz")
    with gzip.open(path, "rb") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["t"] == "http" and "category=linear" in rec["url"]:
                body = json.loads(rec["data"])
                body["result"]["list"] = [x for x in body["result"]["list"] if x["symbol"] in keep]
                body["result"]["nextPageCursor"] = ""
                return {"/v5/market/instruments-info": body}
    raise AssertionError("no linear instruments-info body in the Bybit capture")


def offline_exchange(
    venue: str, routes: dict[str, Any], options: dict[str, Any] | None = None
) -> tuple[Any, CannedHttp]:
    """A real ``ccxt.pro.<venue>`` whose HTTP layer serves ``routes`` plus the venue's markets."""
    markets = bybit_market_routes() if venue == "bybit" else market_routes(venue)
    opts = dict(options or {})
    # The adapter's fixed ccxt options, as its factory sets them.
    factory = importlib.import_module(f"quantum.exchanges.{venue}.factory")
    opts["options"] = {**factory.CCXT_OPTIONS, **opts.get("options", {})}
    opts["has"] = {**getattr(factory, "CCXT_HAS", {}), **opts.get("has", {})}
    # The rate limiter would make offline calls wait in real time; it is not under test here.
    exchange = getattr(ccxt.pro, venue)({**opts, "enableRateLimit": False})
    http = CannedHttp({**markets, **routes})
    http.install(exchange)
    return exchange, http


def jsonable(value: Any) -> Any:
    """ccxt results as plain JSON values (as the static fixtures store them)."""
    return json.loads(json.dumps(value))
