"""The live broker through the real ccxt binanceusdm code with canned native responses:
DRB-Guard first, typed errors, and reconciliation of an unknown outcome without resending."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import ccxt
import pytest

import quantum
from quantum import EngineConfig, ExecutionConfig
from quantum.errors import (
    AuthError,
    ConfigError,
    InsufficientFunds,
    OrderOutcomeUnknown,
    RateLimited,
    RiskRejected,
)
from quantum.exchanges.binanceusdm import BinanceUsdmConfig
from quantum.exchanges.common.execution import ExecutionClient
from quantum.exchanges.common.live_broker import LiveBroker, LiveSettings, create_live_broker
from quantum.exchanges.common.offline import CannedHttp, Response

from .ccxt_helpers import offline_exchange
from .test_execution import BINANCE_ORDER, KEYS

T = TypeVar("T")
QUIET = EngineConfig(
    liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    execution=ExecutionConfig(slippage_bps=0.0),
)
SETTINGS = LiveSettings(enabled=True, symbols={"BTCUSDT": "BTC/USDT:USDT"})
CONFIG = BinanceUsdmConfig(api_key="test-key", api_secret="test-secret")  # type: ignore[arg-type]
NOT_FOUND = Response({"code": -2013, "msg": "Order does not exist."}, 400, "Bad Request")


def _engine() -> quantum.Engine:
    e = quantum.Engine(QUIET)
    e.on_tick(0, 0, 0, 40_000.0)  # notional 0.01 × 40,000 = 400 < 5 % of 10,000
    return e


def _run(
    routes: dict[str, Any], body: Callable[[LiveBroker], Awaitable[T]]
) -> tuple[T, CannedHttp]:
    async def go() -> tuple[T, CannedHttp]:
        ex, http = offline_exchange("binanceusdm", routes, KEYS)
        broker = create_live_broker(
            _engine(),
            ExecutionClient(ex),
            CONFIG,
            SETTINGS,
            new_client_id=lambda: "q-1",
            clock_ns=lambda: 1,
        )
        try:
            return await body(broker), http
        finally:
            await ex.close()

    return asyncio.run(go())


def _creates(http: CannedHttp) -> list[tuple[str, str, Any, Any]]:
    return [c for c in http.calls if c[0] == "POST" and urlsplit(c[1]).path == "/fapi/v1/order"]


def _lookups(http: CannedHttp) -> list[tuple[str, str, Any, Any]]:
    return [c for c in http.calls if c[0] == "GET" and urlsplit(c[1]).path == "/fapi/v1/order"]


def test_approved_entry_is_sent_once_and_filled() -> None:
    res, http = _run(
        {"/fapi/v1/order": BINANCE_ORDER},
        lambda b: b.submit_entry("BTCUSDT", "LONG", qty=0.01),
    )
    assert res.status == "filled" and res.error is None and not res.reconciled
    assert res.qty == Decimal("0.01") and res.client_order_id == "q-1"
    assert res.ack is not None and res.ack.filled == Decimal("0.01")
    (create,) = _creates(http)
    sent = parse_qs(create[3] or urlsplit(create[1]).query)
    assert sent["side"] == ["BUY"] and Decimal(sent["quantity"][0]) == Decimal("0.01")
    assert sent["newClientOrderId"] == ["q-1"]


def test_risk_rejection_sends_nothing() -> None:
    res, http = _run({}, lambda b: b.submit_entry("BTCUSDT", "LONG", qty=1.0))  # 40,000 notional
    assert res.status == "rejected" and isinstance(res.error, RiskRejected)
    assert res.error.reason == "notional_cap"
    assert http.calls == []


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (
            Response({"code": -2019, "msg": "Margin is insufficient."}, 400, "Bad Request"),
            InsufficientFunds,
        ),
        (
            Response({"code": -1003, "msg": "Too many requests."}, 429, "Too Many Requests"),
            RateLimited,
        ),
    ],
)
def test_exchange_errors_come_back_typed(response: Response, error: type[Exception]) -> None:
    res, http = _run(
        {"/fapi/v1/order": response}, lambda b: b.submit_entry("BTCUSDT", "SHORT", qty=0.01)
    )
    assert res.status == "failed" and isinstance(res.error, error)
    assert len(_creates(http)) == 1 and _lookups(http) == []


def test_timeout_then_reconcile_finds_the_order_without_resending() -> None:
    res, http = _run(
        {
            "/fapi/v1/order": ccxt.RequestTimeout("binanceusdm POST timed out"),
            "origClientOrderId=q-1": BINANCE_ORDER,
        },
        lambda b: b.submit_entry("BTCUSDT", "LONG", qty=0.01),
    )
    assert len(_creates(http)) == 1  # exactly one create request, never resent
    (lookup,) = _lookups(http)
    assert parse_qs(urlsplit(lookup[1]).query)["origClientOrderId"] == ["q-1"]
    assert res.status == "filled" and res.reconciled
    assert res.ack is not None and res.ack.order_id == "22542179"


def test_timeout_then_reconcile_finds_nothing_is_not_filled() -> None:
    res, http = _run(
        {
            "/fapi/v1/order": ccxt.RequestTimeout("binanceusdm POST timed out"),
            "origClientOrderId=q-1": NOT_FOUND,
        },
        lambda b: b.submit_entry("BTCUSDT", "LONG", qty=0.01),
    )
    assert len(_creates(http)) == 1 and len(_lookups(http)) == 1
    assert res.status == "not_filled" and res.reconciled
    assert isinstance(res.error, OrderOutcomeUnknown)  # the original cause is kept


def test_lookup_failure_stays_unknown() -> None:
    res, http = _run(
        {
            "/fapi/v1/order": ccxt.RequestTimeout("binanceusdm POST timed out"),
            "origClientOrderId=q-1": ccxt.NetworkError("down"),
        },
        lambda b: b.submit_entry("BTCUSDT", "LONG", qty=0.01),
    )
    assert res.status == "unknown" and res.reconciled and len(_creates(http)) == 1


def test_leverage_cancel_positions_balance() -> None:
    async def body(b: LiveBroker) -> Any:
        res = await b.submit_entry("BTCUSDT", "LONG", qty=0.01, leverage=5)
        cancel_err = await b.cancel("22542179", "BTCUSDT")
        return res, cancel_err, await b.positions(), await b.balance()

    (res, cancel_err, positions, balance), http = _run(
        {
            "/fapi/v1/order": BINANCE_ORDER,
            "/fapi/v1/leverage": {
                "leverage": 5,
                "maxNotionalValue": "1000000",
                "symbol": "BTCUSDT",
            },
            "/fapi/v3/positionRisk": POSITION_RISK,
            "/fapi/v2/positionRisk": POSITION_RISK,
            "/fapi/v3/account": ACCOUNT,
            "/fapi/v2/account": ACCOUNT,
        },
        body,
    )
    assert res.status == "filled"
    paths = [urlsplit(c[1]).path for c in http.calls]
    assert paths.index("/fapi/v1/leverage") < paths.index("/fapi/v1/order")
    assert cancel_err is None
    (pos,) = positions
    assert pos.symbol == "BTC/USDT:USDT" and pos.side == "long"
    assert pos.contracts == Decimal("0.01") and pos.entry_price == Decimal("61800.3")
    assert balance["USDT"] == Decimal("10000.5")


def test_live_trading_is_off_unless_enabled_with_credentials() -> None:
    client: Any = None
    with pytest.raises(ConfigError):
        create_live_broker(_engine(), client, CONFIG, LiveSettings(symbols=SETTINGS.symbols))
    with pytest.raises(AuthError):
        create_live_broker(_engine(), client, BinanceUsdmConfig(), SETTINGS)


POSITION_RISK = [
    {
        "symbol": "BTCUSDT",
        "positionAmt": "0.010",
        "entryPrice": "61800.3",
        "breakEvenPrice": "61825.0",
        "markPrice": "61810.0",
        "unRealizedProfit": "0.097",
        "liquidationPrice": "0",
        "leverage": "5",
        "maxNotionalValue": "1000000",
        "marginType": "cross",
        "isolatedMargin": "0.00000000",
        "isAutoAddMargin": "false",
        "positionSide": "BOTH",
        "notional": "618.1",
        "isolatedWallet": "0",
        "updateTime": 1723161256322,
    }
]
ACCOUNT = {
    "totalWalletBalance": "10000.5",
    "availableBalance": "9000.0",
    "assets": [
        {
            "asset": "USDT",
            "walletBalance": "10000.5",
            "unrealizedProfit": "0.0",
            "marginBalance": "10000.5",
            "maintMargin": "0",
            "initialMargin": "1000.5",
            "positionInitialMargin": "123",
            "openOrderInitialMargin": "0",
            "crossWalletBalance": "10000.5",
            "crossUnPnl": "0",
            "availableBalance": "9000.0",
            "maxWithdrawAmount": "9000.0",
            "updateTime": 1723161256322,
        }
    ],
    "positions": [],
}


def test_a_failed_venue_order_withdraws_the_paper_mirror_entry() -> None:
    async def failed(b: Any) -> bool:
        await b.submit_entry("BTCUSDT", "LONG", qty=0.01)
        return bool(b.engine.cancel_pending_entry("BTCUSDT"))

    async def filled(b: Any) -> bool:
        await b.submit_entry("BTCUSDT", "LONG", qty=0.01)
        return bool(b.engine.cancel_pending_entry("BTCUSDT"))

    refused = Response({"code": -2019, "msg": "Margin is insufficient."}, 400, "Bad Request")
    still_pending, _ = _run({"/fapi/v1/order": refused}, failed)
    assert still_pending is False, "the refused order's mirror entry was withdrawn"
    kept, _ = _run({"/fapi/v1/order": BINANCE_ORDER}, filled)
    assert kept is True, "a filled order's mirror entry stays until the next tick fills it"
