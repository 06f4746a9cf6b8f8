"""ccxt errors -> quantum.errors, from exception instances and from canned venue error bodies
that go through ccxt's own error translation."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import ccxt
import pytest

from quantum import errors as q
from quantum.exchanges.common.errors import map_ccxt_error
from quantum.exchanges.common.execution import ExecutionClient
from quantum.exchanges.common.offline import Response

from .ccxt_helpers import offline_exchange


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ccxt.InsufficientFunds("margin"), q.InsufficientFunds),
        (ccxt.RateLimitExceeded("429"), q.RateLimited),
        (ccxt.DDoSProtection("418"), q.RateLimited),
        (ccxt.BadSymbol("no such market"), q.BadSymbol),
        (ccxt.NetworkError("reset"), q.NetworkError),
        (ccxt.RequestTimeout("timeout"), q.NetworkError),
        (ccxt.ExchangeNotAvailable("503"), q.NetworkError),
        (ccxt.OnMaintenance("maintenance"), q.NetworkError),
        (ccxt.AuthenticationError("bad key"), q.AuthError),
        (ccxt.PermissionDenied("ip"), q.AuthError),
        (ccxt.InvalidOrder("min notional"), q.ExchangeError),
        (ccxt.ExchangeError("other"), q.ExchangeError),
        (ValueError("not ccxt"), q.ExchangeError),
    ],
)
def test_mapping_outside_order_placement(exc: Exception, expected: type[Exception]) -> None:
    mapped = map_ccxt_error(exc)
    assert type(mapped) is expected
    assert type(exc).__name__ in str(mapped)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (ccxt.RequestTimeout("timeout"), q.OrderOutcomeUnknown),
        (ccxt.ExchangeNotAvailable("502"), q.OrderOutcomeUnknown),
        (ccxt.NetworkError("connection reset"), q.OrderOutcomeUnknown),
        # Refused before acceptance: the order surely did not go through.
        (ccxt.RateLimitExceeded("429"), q.RateLimited),
        (ccxt.InvalidNonce("nonce"), q.NetworkError),
        (ccxt.OnMaintenance("maintenance"), q.NetworkError),
        (ccxt.InsufficientFunds("margin"), q.InsufficientFunds),
    ],
)
def test_mapping_during_order_placement(exc: Exception, expected: type[Exception]) -> None:
    assert type(map_ccxt_error(exc, placing_order=True)) is expected


def test_quantum_errors_pass_through_unchanged() -> None:
    err = q.BadSymbol("x")
    assert map_ccxt_error(err) is err


KEYS = {
    "apiKey": "test-key",
    "secret": "test-secret",
    "options": {"fetchMarkets": {"types": ["linear"]}},
}


def _place(order_route: Any) -> None:
    async def go() -> None:
        ex, http = offline_exchange("binanceusdm", {"/fapi/v1/order": order_route}, KEYS)
        try:
            await ExecutionClient(ex).place_market_order(
                "BTC/USDT:USDT", "buy", Decimal("0.010"), "q-1"
            )
        finally:
            await ex.close()
            # Only the futures markets and the order itself: no spot/margin calls.
            assert [u.split("?")[0] for u in http.urls()] == [
                "https://fapi.binance.com/fapi/v1/exchangeInfo",
                "https://fapi.binance.com/fapi/v1/order",
            ]

    asyncio.run(go())


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        # Binance USD-M error bodies as the venue sends them; ccxt's translation is real.
        (
            Response({"code": -2019, "msg": "Margin is insufficient."}, 400, "Bad Request"),
            q.InsufficientFunds,
        ),
        (
            Response(
                {"code": -1003, "msg": "Too many requests; current limit is 2400."},
                429,
                "Too Many Requests",
            ),
            q.RateLimited,
        ),
        (Response({"code": -1121, "msg": "Invalid symbol."}, 400, "Bad Request"), q.BadSymbol),
        (
            Response(
                {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
                401,
                "Unauthorized",
            ),
            q.AuthError,
        ),
        (Response("<html>Bad Gateway</html>", 502, "Bad Gateway"), q.OrderOutcomeUnknown),
        (
            ccxt.RequestTimeout("binanceusdm POST https://fapi.binance.com/fapi/v1/order"),
            q.OrderOutcomeUnknown,
        ),
    ],
)
def test_venue_error_bodies_through_ccxt(route: Any, expected: type[Exception]) -> None:
    with pytest.raises(expected):
        _place(route)
