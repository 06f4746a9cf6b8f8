"""Order placement through the real ccxt code with canned venue responses."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from quantum.errors import AuthError, DataError
from quantum.exchanges.binanceusdm import BinanceUsdmConfig, create_execution_client
from quantum.exchanges.common.execution import ExecutionClient, OrderAck

from .captures import shared_data_dir
from .ccxt_helpers import offline_exchange

KEYS = {
    "apiKey": "test-key",
    "secret": "test-secret",
    "options": {"fetchMarkets": {"types": ["linear"]}},
}

BINANCE_ORDER = {
    "orderId": 22542179,
    "symbol": "BTCUSDT",
    "status": "FILLED",
    "clientOrderId": "q-1",
    "price": "0",
    "avgPrice": "61800.30000",
    "origQty": "0.010",
    "executedQty": "0.010",
    "cumQuote": "618.003",
    "timeInForce": "GTC",
    "type": "MARKET",
    "reduceOnly": False,
    "closePosition": False,
    "side": "BUY",
    "positionSide": "BOTH",
    "stopPrice": "0",
    "workingType": "CONTRACT_PRICE",
    "priceProtect": False,
    "origType": "MARKET",
    "updateTime": 1723161256322,
}


def test_binance_market_order_sends_exact_amount_and_client_id() -> None:
    async def go() -> tuple[OrderAck, list[tuple[str, str, Any, Any]]]:
        ex, http = offline_exchange("binanceusdm", {"/fapi/v1/order": BINANCE_ORDER}, KEYS)
        try:
            ack = await ExecutionClient(ex).place_market_order(
                "BTC/USDT:USDT", "buy", Decimal("1.0E-2"), "q-1", reduce_only=True
            )
        finally:
            await ex.close()
        return ack, http.calls

    ack, calls = asyncio.run(go())
    method, url, _, body = calls[-1]
    assert method == "POST" and urlsplit(url).path == "/fapi/v1/order"
    sent = parse_qs(body or urlsplit(url).query)
    assert sent["symbol"] == ["BTCUSDT"] and sent["side"] == ["BUY"] and sent["type"] == ["MARKET"]
    assert Decimal(sent["quantity"][0]) == Decimal("0.010")
    assert sent["newClientOrderId"] == ["q-1"] and sent["reduceOnly"] == ["true"]
    assert "signature" in sent  # ccxt signed it with the (fake) secret
    assert ack == OrderAck(
        order_id="22542179",
        client_order_id="q-1",
        symbol="BTC/USDT:USDT",
        side="buy",
        amount=Decimal("0.01"),
        filled=Decimal("0.01"),
        average=Decimal("61800.3"),
        status="closed",
        ts_event=1723161256322 * 1_000_000,
    )


def test_kraken_create_order_static_fixture(shared_data: object) -> None:
    path = shared_data_dir() / "ccxt_static" / "response" / "kraken.json"
    case = json.loads(path.read_text())["methods"]["createOrder"][0]
    symbol, _, side, amount = case["input"]

    async def go() -> OrderAck:
        # Kraken's secret is base64; any valid base64 signs offline.
        ex, http = offline_exchange(
            "kraken",
            {"/0/private/AddOrder": case["httpResponse"]},
            {"apiKey": "k", "secret": "c2VjcmV0"},
        )
        try:
            return await ExecutionClient(ex).place_market_order(
                symbol, side, Decimal(str(amount)), "cl-7"
            )
        finally:
            await ex.close()
            assert http.urls()[-1].endswith("/0/private/AddOrder")

    ack = asyncio.run(go())
    expected = case["parsedResponse"]
    assert ack.order_id == expected["id"]
    assert ack.symbol == expected["symbol"] == "LTC/USDT"
    assert ack.client_order_id == "cl-7"


def test_orders_need_credentials_and_positive_amounts() -> None:
    async def go() -> None:
        client = create_execution_client(BinanceUsdmConfig())
        try:
            with pytest.raises(AuthError):
                await client.place_market_order("BTC/USDT:USDT", "buy", Decimal("1"), "x")
        finally:
            await client.exchange.close()
        ex, http = offline_exchange("binanceusdm", {}, KEYS)
        try:
            with pytest.raises(DataError):
                await ExecutionClient(ex).place_market_order(
                    "BTC/USDT:USDT", "sell", Decimal("0"), "x"
                )
        finally:
            await ex.close()
        assert http.calls == []  # refused before any request

    asyncio.run(go())
