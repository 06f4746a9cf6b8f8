"""The auditor over results with resting orders: the built-in market maker (Avellaneda–Stoikov
and the touch rule) on the shared L2 captures and on a synthetic quoted market, and a Python
``quantum.OrderStrategy`` quoting the touch. Every run must audit clean and make maker fills."""

from __future__ import annotations

from typing import Any, Literal

import pytest

import quantum
from quantum import EngineConfig, OrderContext, OrderEventView
from quantum.audit import audit
from quantum.data import generate
from quantum.engine.config import LatencyConfig, MarketMakerConfig, QueueConfig

from .datasets import datasets

DATASETS = datasets()
CAPTURES = (
    "l2_book/binance_usdm_btcusdt_20240718.jsonl.gz",
    "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz",
)


def _quoting(
    rule: Literal["avellaneda_stoikov", "touch"] = "avellaneda_stoikov",
    queue: Literal["risk_averse", "prob", "none"] = "prob",
    latency_ms: int = 10,
    market_maker: bool = True,
) -> EngineConfig:
    """Only quoting: the signal strategies off, the market maker on (or off, for a Python
    strategy), constant latencies, Binance's fees, caps that do not bind."""
    ms = 1_000_000
    return EngineConfig(
        liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
        order_flow=quantum.OrderFlowConfig(enabled=False),
        volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
        market_maker=MarketMakerConfig(enabled=market_maker, rule=rule),
        execution=quantum.ExecutionConfig(
            order_latency=LatencyConfig(
                kind="constant", entry_ns=latency_ms * ms, response_ns=latency_ms * ms
            ),
            fees="binance_usdm",
            queue=QueueConfig(model=queue),
        ),
        risk=quantum.RiskConfig(
            max_position_notional=1.0, max_trades_per_day=10_000_000, max_drawdown=1.0
        ),
    )


def _clean_with_maker_fills(result: quantum.BacktestResult, ticks: Any, label: str) -> None:
    violations = audit(result, ticks)
    assert violations == [], f"{label}: {[str(v) for v in violations[:5]]}"
    assert int(result.fills["maker"].sum()) > 0, label


@pytest.fixture(scope="module", params=CAPTURES)
def capture(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return request.param, DATASETS[request.param]()


@pytest.mark.parametrize(
    ("rule", "queue"), [("avellaneda_stoikov", "prob"), ("touch", "risk_averse")]
)
def test_the_market_maker_on_the_l2_captures_audits_clean(
    capture: tuple[str, Any], rule: Literal["avellaneda_stoikov", "touch"],
    queue: Literal["risk_averse", "prob", "none"],
) -> None:  # fmt: skip
    name, feed = capture
    result = quantum.backtest(feed, _quoting(rule, queue))
    _clean_with_maker_fills(result, feed, f"{name} {rule} {queue}")


@pytest.mark.parametrize("seed", [3, 7])
def test_the_market_maker_on_a_synthetic_quoted_market_audits_clean(seed: int) -> None:
    ticks = generate(20_000, seed=seed)
    for rule in ("avellaneda_stoikov", "touch"):
        result = quantum.backtest(ticks, _quoting(rule, "prob", latency_ms=1))  # type: ignore[arg-type]
        _clean_with_maker_fills(result, ticks, f"seed {seed} {rule}")


class TouchQuoter(quantum.OrderStrategy):
    """docs/backtesting.md's example: a bid at the best bid and an ask at the best ask, a quote
    the touch has left canceled, never more than ``cap`` long or short."""

    name = "touch_py"

    def __init__(self, qty: float = 0.001, cap: float = 0.005) -> None:
        self.qty, self.cap = qty, cap
        self.quotes: dict[str, tuple[str, float]] = {}
        self.canceling: set[str] = set()
        self.n = 0

    def on_market(self, ctx: OrderContext) -> None:
        bid, ask = ctx.best_bid, ctx.best_ask
        if not bid < ask:
            return
        for cid, (side, price) in self.quotes.items():
            if price != (bid if side == "BUY" else ask) and cid not in self.canceling:
                ctx.cancel(cid)
                self.canceling.add(cid)
        for side, price in (("BUY", bid), ("SELL", ask)):
            mine = [c for c, (s, _) in self.quotes.items() if s == side]
            if any(c not in self.canceling for c in mine):
                continue
            exposure = (ctx.position if side == "BUY" else -ctx.position) + len(mine) * self.qty
            if exposure + self.qty > self.cap:
                continue
            self.n += 1
            cid = f"{side[0].lower()}{self.n}"
            (ctx.buy if side == "BUY" else ctx.sell)(self.qty, price, client_id=cid)
            self.quotes[cid] = (side, price)

    def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
        ended = event.kind in ("filled", "canceled", "expired")
        if ended or (event.kind == "rejected" and event.request == "new"):
            self.quotes.pop(event.client_id, None)
            self.canceling.discard(event.client_id)


def test_a_python_order_strategy_audits_clean() -> None:
    ticks = generate(20_000, seed=7)
    config = _quoting(latency_ms=1, market_maker=False)
    result = quantum.backtest(ticks, config, strategies=[TouchQuoter()])
    _clean_with_maker_fills(result, ticks, "synthetic TouchQuoter")


def test_a_python_order_strategy_on_a_capture_audits_clean() -> None:
    name = CAPTURES[0]
    feed = DATASETS[name]()
    result = quantum.backtest(feed, _quoting(market_maker=False), strategies=[TouchQuoter()])
    _clean_with_maker_fills(result, feed, f"{name} TouchQuoter")


def test_drawn_order_latencies_and_a_constant_feed_latency_audit_clean() -> None:
    """Drawn entry latencies (the auditor only knows a fill came after its decision) on
    synthetic quotes; a constant feed latency (receive times rebuilt by the auditor) on a
    capture, as ``quantum backtest --feed-latency-ms`` runs it."""
    ticks = generate(20_000, seed=5)
    drawn = LatencyConfig(
        kind="empirical", samples_ns=[(500_000, 800_000), (3_000_000, 1_000_000)], seed=3
    )
    config = _quoting(latency_ms=1)
    config = config.model_copy(
        update={"execution": config.execution.model_copy(update={"order_latency": drawn})}
    )
    _clean_with_maker_fills(quantum.backtest(ticks, config), ticks, "drawn latencies")
    name = CAPTURES[1]
    feed = DATASETS[name]()
    config = _quoting("touch", "risk_averse", latency_ms=5)
    fed = LatencyConfig(kind="constant", entry_ns=2_000_000)
    config = config.model_copy(
        update={"execution": config.execution.model_copy(update={"feed_latency": fed})}
    )
    _clean_with_maker_fills(quantum.backtest(feed, config), feed, f"{name} feed latency")
