"""Strategies that trade with orders: a Python ``quantum.OrderStrategy`` places, modifies and
cancels orders through its context and sees its own orders' events after the response latency;
the built-in market maker runs from the Python config."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import quantum
from quantum import EngineConfig, ExecutionConfig, OrderContext, OrderEventView, RiskConfig
from quantum.data import generate, load_binance_l2
from quantum.engine.config import LatencyConfig, MarketMakerConfig
from quantum.errors import ConfigError, OrderError
from tests.conftest import REPO, SECOND

ENTRY_NS = 1_000_000
RESPONSE_NS = 2_000_000
QTY = 0.001

# No signal strategy, a constant order latency each way.
CONFIG = EngineConfig(
    liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    execution=ExecutionConfig(
        order_latency=LatencyConfig(kind="constant", entry_ns=ENTRY_NS, response_ns=RESPONSE_NS)
    ),
)

EVENT_FIELDS = (
    "kind", "client_id", "order_id", "symbol", "symbol_name", "ts_event", "ts_local", "side",
    "qty", "price", "liquidity", "fee", "fee_bps", "leaves", "reason", "by_risk", "request",
    "kept_queue", "why",
)  # fmt: skip


def fields(e: OrderEventView) -> tuple[Any, ...]:
    return tuple(getattr(e, name) for name in EVENT_FIELDS)


def quotes(n: int, bid: float = 100.0, ask: float = 100.1, step: int = SECOND) -> dict[str, Any]:
    """``n`` ticks of a still market: the same bid, ask and last price."""
    return {
        "ts_event": np.arange(n, dtype=np.int64) * step,
        "bid": np.full(n, bid),
        "ask": np.full(n, ask),
        "price": np.full(n, bid),
    }


class Quoter(quantum.OrderStrategy):
    """One post-only bid at the best bid and one ask at the best ask, a quote that is no longer
    at the touch canceled; never more than ``cap`` long or short counting working quotes."""

    name = "quoter"

    def __init__(self, cap: float = 0.003) -> None:
        self.cap = cap
        self.n = 0
        self.sent: dict[str, tuple[str, float, int]] = {}  # id -> side, price, sent at
        self.working: dict[str, str] = {}  # id -> side, until its last event
        self.cancels: dict[str, int] = {}  # id -> cancel sent at
        self.events: list[OrderEventView] = []
        self.filled = 0.0  # the sum of the fills it was told of
        self.checks: list[tuple[float, float]] = []  # (ctx.position, self.filled)

    def on_market(self, ctx: OrderContext) -> None:
        self.checks.append((ctx.position, self.filled))
        bid, ask = ctx.best_bid, ctx.best_ask
        if not bid < ask:
            return
        for cid, side in self.working.items():
            want = bid if side == "BUY" else ask
            if self.sent[cid][1] != want and cid not in self.cancels:
                self.cancels[cid] = ctx.now
                ctx.cancel(cid)
        for side, price in (("BUY", bid), ("SELL", ask)):
            if side in self.working.values():
                continue
            sign = 1.0 if side == "BUY" else -1.0
            if sign * ctx.position + QTY > self.cap:
                continue
            self.n += 1
            cid = f"{side.lower()}-{self.n}"
            if side == "BUY":
                assert ctx.buy(QTY, price, tif="post_only", client_id=cid) == cid
            else:
                assert ctx.sell(QTY, price, tif="post_only", client_id=cid) == cid
            self.sent[cid] = (side, price, ctx.now)
            self.working[cid] = side

    def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
        self.events.append(event)
        if event.kind in ("partially_filled", "filled"):
            assert event.qty is not None
            self.filled += event.qty if event.side == "BUY" else -event.qty
        self.checks.append((ctx.position, self.filled))
        if event.kind in ("filled", "canceled", "expired") or (
            event.kind == "rejected" and event.request == "new"
        ):
            self.working.pop(event.client_id, None)


@pytest.fixture(scope="module")
def market() -> Any:
    return generate(3000, seed=1)


@pytest.fixture(scope="module")
def quoted(market: Any) -> tuple[Quoter, quantum.BacktestResult]:
    q = Quoter()
    return q, quantum.backtest(market, CONFIG, strategies=[q])


def by_kind(events: list[OrderEventView], kind: str) -> list[OrderEventView]:
    return [e for e in events if e.kind == kind]


def test_quotes_are_accepted_after_the_latency_and_answered_after_the_response(quoted) -> None:
    q, _ = quoted
    accepted = by_kind(q.events, "accepted")
    assert len(accepted) > 20
    for e in accepted:
        sent_at = q.sent[e.client_id][2]
        assert e.ts_local == e.ts_event + RESPONSE_NS
        assert e.ts_event >= sent_at + ENTRY_NS, "no order reaches the venue before the latency"
        assert (e.symbol, e.symbol_name, e.order_id > 0) == (0, "BTCUSDT", True)
        assert e.side is e.qty is e.price is e.reason is e.why is None


def test_quotes_fill_as_maker_at_their_own_price(quoted) -> None:
    q, result = quoted
    filled = by_kind(q.events, "filled")
    assert len(filled) > 20 and {"BUY", "SELL"} <= {e.side for e in filled}
    maker_bps = CONFIG.execution.maker_fee_bps
    for e in filled:
        side, price, sent_at = q.sent[e.client_id]
        assert (e.side, e.price, e.qty, e.leaves, e.liquidity) == (side, price, QTY, 0.0, "maker")
        assert e.fee == pytest.approx(price * QTY * maker_bps * 1e-4, abs=1e-8)
        assert e.fee_bps == maker_bps
        assert e.ts_local == e.ts_event + RESPONSE_NS
        assert e.ts_event > sent_at
    # The journal holds the same fills.
    fills = result.fills
    assert len(fills) == len(filled)
    assert sorted(fills.price.astype(float)) == sorted(e.price for e in filled)
    assert set(fills.maker) == {True}


def test_stale_quotes_are_canceled_on_request(quoted) -> None:
    q, _ = quoted
    canceled = by_kind(q.events, "canceled")
    assert len(canceled) > 10
    for e in canceled:
        assert e.why == "requested"
        assert e.ts_local == e.ts_event + RESPONSE_NS
        assert e.ts_event >= q.cancels[e.client_id] + ENTRY_NS
    # Each quote ends once: filled, canceled or refused.
    ends = [
        e.client_id
        for e in q.events
        if e.kind in ("filled", "canceled") or (e.kind == "rejected" and e.request == "new")
    ]
    assert len(ends) == len(set(ends)) >= len(q.sent) - 2  # two may still rest at the end


def test_the_known_position_is_the_sum_of_the_fills_the_strategy_was_told_of(quoted) -> None:
    q, result = quoted
    assert len(q.checks) > 3000
    for known, told in q.checks:
        assert known == pytest.approx(told, abs=1e-12)
    assert max(abs(told) for _, told in q.checks) <= q.cap + 1e-12
    held = sum(float(p["qty"]) * (1 if p["side"] == "LONG" else -1) for p in result.open_positions)
    assert held == pytest.approx(q.filled, abs=1e-12)


def test_order_strategy_results_are_deterministic(market: Any) -> None:
    a, b = Quoter(), Quoter()
    ra = quantum.backtest(market, CONFIG, strategies=[a])
    rb = quantum.backtest(market, CONFIG, strategies=[b])
    assert [fields(e) for e in a.events] == [fields(e) for e in b.events]
    assert ra.fills.equals(rb.fills) and ra.orders.equals(rb.orders)
    assert ra.metrics.keys() == rb.metrics.keys()
    for name, value in ra.metrics.items():
        other = rb.metrics[name]
        assert value == other or (math.isnan(value) and math.isnan(other)), name


class Once(quantum.OrderStrategy):
    """Runs ``act(ctx)`` on the first market callback and records every order event."""

    name = "once"

    def __init__(self, act: Callable[[OrderContext], Any]) -> None:
        self.act = act
        self.done = False
        self.returned: Any = None
        self.events: list[OrderEventView] = []
        self.first_now = 0

    def on_market(self, ctx: OrderContext) -> None:
        if not self.done:
            self.done = True
            self.first_now = ctx.now
            self.returned = self.act(ctx)

    def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
        self.events.append(event)


def run_once(
    act: Callable[[OrderContext], Any], ticks: dict[str, Any] | None = None
) -> tuple[Once, quantum.BacktestResult]:
    s = Once(act)
    return s, quantum.backtest(ticks or quotes(20), CONFIG, strategies=[s])


def test_a_post_only_order_that_would_take_is_rejected_and_never_fills() -> None:
    def act(ctx: OrderContext) -> None:
        ctx.buy(QTY, ctx.best_ask, tif="post_only", client_id="crossing")
        ctx.buy(QTY, ctx.best_ask, client_id="taker")  # the same order as GTC takes

    s, result = run_once(act)
    crossing = [e for e in s.events if e.client_id == "crossing"]
    assert [(e.kind, e.reason, e.request, e.by_risk) for e in crossing] == [
        ("rejected", "post_only_would_take", "new", False)
    ]
    assert crossing[0].ts_local == crossing[0].ts_event + RESPONSE_NS
    taker = [e for e in s.events if e.client_id == "taker"]
    assert [(e.kind, e.liquidity, e.price) for e in taker] == [
        ("accepted", None, None),
        ("filled", "taker", 100.1),
    ]
    assert len(result.fills) == 1
    orders = result.orders.set_index("client_id")
    assert orders.loc["crossing", "status"] == "rejected"
    assert orders.loc["crossing", "reject_reason"] == "post_only_would_take"


@pytest.mark.parametrize(
    "act",
    [
        lambda ctx: ctx.sell(QTY, reduce_only=True, client_id="ro"),
        lambda ctx: ctx.sell(QTY, 101.0, reduce_only=True, client_id="ro"),
        lambda ctx: ctx.stop("sell", QTY, 99.0, client_id="ro"),
    ],
    ids=["market", "limit", "stop"],
)
def test_a_reduce_only_order_with_nothing_to_reduce_is_rejected(act) -> None:
    s, result = run_once(act)
    assert [(e.kind, e.client_id, e.reason, e.request) for e in s.events] == [
        ("rejected", "ro", "reduce_only_would_increase", "new")
    ]
    assert result.fills.empty


def test_drb_guard_refuses_an_order_over_the_notional_cap() -> None:
    # 5 % of 10,000 is 500: ten units at 100 are 1,000.
    s, result = run_once(lambda ctx: ctx.buy(10.0, 100.0, client_id="big"))
    [e] = s.events
    assert (e.kind, e.client_id, e.reason, e.by_risk, e.request) == (
        "rejected", "big", "notional_cap", True, "new"
    )  # fmt: skip
    # Refused before it was sent: answered at the time it was made.
    assert e.ts_event == e.ts_local == s.first_now
    assert result.rejections == {"risk:notional_cap": 1}
    assert result.orders.reject_reason.tolist() == ["notional_cap"]
    assert result.fills.empty


def test_drb_guard_lets_the_same_order_through_under_the_cap() -> None:
    s, result = run_once(lambda ctx: ctx.buy(4.0, 100.0, client_id="ok"))
    assert [e.kind for e in s.events] == ["accepted"]
    assert result.rejections == {}


@pytest.mark.parametrize(
    ("act", "refused"),
    [
        (lambda ctx: ctx.cancel("nobody"), "cancel"),
        (lambda ctx: ctx.modify("nobody", price=99.0), "modify"),
    ],
)
def test_cancel_or_modify_of_an_unknown_id_is_rejected(act, refused) -> None:
    s, _ = run_once(act)
    assert s.returned == "nobody"
    assert [(e.kind, e.client_id, e.reason, e.request) for e in s.events] == [
        ("rejected", "nobody", "unknown_order", refused)
    ]


class Modifier(quantum.OrderStrategy):
    """Rests a bid below the market, then moves it and shrinks it."""

    name = "modifier"

    def __init__(self) -> None:
        self.n = 0
        self.events: list[OrderEventView] = []

    def on_market(self, ctx: OrderContext) -> None:
        self.n += 1
        if self.n == 1:
            ctx.buy(0.002, 99.0, client_id="bid")
        elif self.n == 3:
            ctx.modify("bid", price=99.5)
        elif self.n == 5:
            ctx.modify("bid", qty=0.001)
        elif self.n in (7, 9):  # the second after the strategy heard it was canceled
            ctx.cancel("bid")

    def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
        self.events.append(event)


def test_modify_moves_a_working_order_and_a_cancel_of_a_finished_one_is_refused() -> None:
    s = Modifier()
    quantum.backtest(quotes(20), CONFIG, strategies=[s])
    got = [(e.kind, e.price, e.qty, e.kept_queue, e.reason, e.why) for e in s.events]
    assert got == [
        ("accepted", None, None, None, None, None),
        ("modified", 99.5, 0.002, False, None, None),  # a new price: back of the queue
        ("modified", 99.5, 0.001, True, None, None),  # less at the same price keeps its place
        ("canceled", None, None, None, None, "requested"),
        ("rejected", None, None, None, "unknown_order", None),  # it was already canceled
    ]
    assert all(e.client_id == "bid" for e in s.events)


def test_reusing_a_working_order_s_id_is_refused_and_the_order_keeps_reporting() -> None:
    class Reuse(quantum.OrderStrategy):
        def __init__(self) -> None:
            self.n = 0
            self.events: list[OrderEventView] = []

        def on_market(self, ctx: OrderContext) -> None:
            self.n += 1
            if self.n in (1, 3):
                ctx.buy(QTY, 99.0, client_id="bid")
            elif self.n == 5:
                ctx.cancel("bid")

        def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
            self.events.append(event)

    s = Reuse()
    quantum.backtest(quotes(10), CONFIG, strategies=[s])
    assert [(e.kind, e.client_id, e.reason, e.request) for e in s.events] == [
        ("accepted", "bid", None, None),
        ("rejected", "bid", "duplicate_client_id", "new"),
        ("canceled", "bid", None, None),
    ]


def test_a_cancel_that_arrives_after_its_order_ended_is_answered() -> None:
    class Twice(quantum.OrderStrategy):
        def __init__(self) -> None:
            self.n = 0
            self.events: list[OrderEventView] = []

        def on_market(self, ctx: OrderContext) -> None:
            self.n += 1
            if self.n == 1:
                ctx.buy(QTY, 99.0, client_id="bid")
            elif self.n == 3:
                ctx.cancel("bid")
                ctx.cancel("bid")

        def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
            self.events.append(event)

    s = Twice()
    quantum.backtest(quotes(10), CONFIG, strategies=[s])
    assert [(e.kind, e.client_id, e.reason) for e in s.events] == [
        ("accepted", "bid", None),
        ("canceled", "bid", None),
        ("rejected", "bid", "unknown_order"),
    ]


def test_no_event_tells_the_strategy_of_an_order_s_end_before_its_own_event() -> None:
    q = Quoter()
    quantum.backtest(generate(3000, seed=1), CONFIG, strategies=[q])
    ended: dict[str, int] = {}
    for e in q.events:
        if e.kind in ("filled", "canceled") or (e.kind == "rejected" and e.request == "new"):
            ended[e.client_id] = e.ts_local
    for e in q.events:
        if e.kind == "rejected" and e.request == "cancel":
            assert e.ts_local >= ended[e.client_id], e


def test_on_order_sees_the_market_as_of_its_local_time() -> None:
    n = 5
    bid = 100.0 + np.arange(n)  # a new bid every second
    ticks = {"ts_event": np.arange(n, dtype=np.int64) * SECOND, "bid": bid, "ask": bid + 0.1}

    class Watch(quantum.OrderStrategy):
        def __init__(self) -> None:
            self.seen: list[tuple[int, float]] = []

        def on_market(self, ctx: OrderContext) -> None:
            if ctx.now == 0:
                ctx.buy(QTY, 50.0, client_id="bid")

        def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
            self.seen.append((ctx.now, ctx.best_bid))

    s = Watch()
    quantum.backtest(ticks, CONFIG, strategies=[s])
    # Accepted at the venue at 1 s (the first event after its arrival), heard at 1.002 s: the
    # bid then was the 1 s tick's.
    assert s.seen == [(SECOND + RESPONSE_NS, 101.0)]


def test_a_stop_triggers_and_closes_the_position() -> None:
    n = 12
    last = np.array([100.0] * 4 + [99.0] * 4 + [98.5] * 4)
    ticks = {
        "ts_event": np.arange(n, dtype=np.int64) * SECOND,
        "price": last,
        "bid": last,
        "ask": last + 0.1,
    }

    class Protected(quantum.OrderStrategy):
        name = "protected"

        def __init__(self) -> None:
            self.events: list[OrderEventView] = []
            self.positions: list[float] = []

        def on_market(self, ctx: OrderContext) -> None:
            if ctx.tick is not None and ctx.tick.ts_event == 0:
                ctx.buy(0.01, client_id="entry")

        def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
            self.events.append(event)
            if event.client_id == "entry" and event.kind == "filled":
                ctx.stop("sell", 0.01, 99.2, client_id="stop")
            self.positions.append(ctx.position)

    s = Protected()
    result = quantum.backtest(ticks, CONFIG, strategies=[s])
    got = [(e.client_id, e.kind, e.liquidity) for e in s.events]
    assert got == [
        ("entry", "accepted", None),
        ("entry", "filled", "taker"),
        ("stop", "accepted", None),
        ("stop", "triggered", None),
        ("stop", "filled", "taker"),
    ]
    trigger = next(e for e in s.events if e.kind == "triggered")
    assert trigger.price is not None and trigger.price <= 99.2
    assert s.positions[-1] == 0.0 and max(s.positions) == pytest.approx(0.01)
    assert result.open_positions == []


def test_auto_client_ids_are_the_strategy_name_and_a_number() -> None:
    s, _ = run_once(lambda ctx: (ctx.buy(QTY, 99.0), ctx.sell(QTY, 101.0)))
    assert s.returned == ("once.1", "once.2")
    assert [(e.kind, e.client_id) for e in s.events] == [
        ("accepted", "once.1"),
        ("accepted", "once.2"),
    ]


@pytest.mark.parametrize(
    ("act", "match"),
    [
        (lambda ctx: ctx.buy(-1.0, 100.0), "qty must be a positive"),
        (lambda ctx: ctx.sell(0.0, 100.0), "qty must be a positive"),
        (lambda ctx: ctx.buy(QTY, math.nan), "price must be a positive"),
        (lambda ctx: ctx.buy(QTY, -5.0), "price must be a positive"),
        (lambda ctx: ctx.buy(QTY, 100.0, tif="day"), "tif must be one of"),
        (lambda ctx: ctx.sell(QTY, tif="post_only"), "market order"),
        (lambda ctx: ctx.buy(QTY, 100.0, client_id="q-7"), "engine's form"),
        (lambda ctx: ctx.buy(QTY, 100.0, client_id="has space"), "printable"),
        (lambda ctx: ctx.buy(QTY, 100.0, client_id="x" * 37), "1 to 36"),
        (lambda ctx: ctx.stop("up", QTY, 99.0), "side must be"),
        (lambda ctx: ctx.stop("sell", QTY, 99.0, source="index"), "source must be"),
        (lambda ctx: ctx.take_profit("buy", QTY, math.inf), "trigger must be"),
        (lambda ctx: ctx.modify("bid"), "needs a price, a qty"),
        (lambda ctx: ctx.modify("bid", qty=-1.0), "qty must be a positive"),
        (lambda ctx: ctx.cancel(""), "1 to 36"),
    ],
)
def test_bad_arguments_raise_order_error_at_the_call(act, match) -> None:
    def guarded(ctx: OrderContext) -> OrderError | None:
        try:
            act(ctx)
        except OrderError as e:
            return e
        return None

    s, result = run_once(guarded)
    assert isinstance(s.returned, OrderError)
    assert match in str(s.returned)
    # Nothing half-made went out.
    assert result.orders.empty and s.events == []


def test_an_uncaught_order_error_reaches_the_backtest_caller() -> None:
    with pytest.raises(OrderError, match="qty must be a positive"):
        run_once(lambda ctx: ctx.buy(-1.0))


def test_a_context_kept_after_its_callback_refuses_requests() -> None:
    kept: list[OrderContext] = []

    class Keeper(quantum.OrderStrategy):
        def on_market(self, ctx: OrderContext) -> None:
            if kept:
                kept[0].buy(QTY, 99.0)
            kept.append(ctx)

    with pytest.raises(OrderError, match="callback that has returned"):
        quantum.backtest(quotes(3), CONFIG, strategies=[Keeper()])


@pytest.mark.parametrize("callback", ["on_market", "on_order"])
def test_an_exception_in_a_callback_propagates_unchanged(callback: str) -> None:
    class Boom(quantum.OrderStrategy):
        def on_market(self, ctx: OrderContext) -> None:
            if callback == "on_market":
                raise KeyError("from the strategy")
            ctx.buy(QTY, 99.0)

        def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
            raise KeyError("from the strategy")

    with pytest.raises(KeyError, match="from the strategy"):
        quantum.backtest(quotes(5), CONFIG, strategies=[Boom()])


def test_the_base_class_asks_for_on_market() -> None:
    with pytest.raises(TypeError, match="must implement on_market"):
        quantum.backtest(quotes(2), CONFIG, strategies=[quantum.OrderStrategy()])


def test_two_order_strategies_may_not_share_a_name() -> None:
    with pytest.raises(ConfigError, match="already added"):
        quantum.Engine(CONFIG, strategies=[Quoter(), Quoter()])


def test_target_and_order_strategies_run_together_on_the_live_path() -> None:
    class Long(quantum.Strategy):
        name = "long"

        def on_tick(self, tick, features):  # type: ignore[no-untyped-def]
            return quantum.Decision("LONG", 0.9, "test") if tick.ts_event == 0 else None

    config = CONFIG.model_copy(update={"risk": RiskConfig(fixed_qty=0.01)})
    order = Once(lambda ctx: ctx.buy(QTY, 99.0, client_id="bid"))
    engine = quantum.Engine(config, strategies=[Long(), order])
    for i in range(5):
        engine.on_tick(i * SECOND, i * SECOND, 0, 100.0, 100.0, 100.1)
    assert [(e.kind, e.client_id, e.symbol_name) for e in order.events] == [
        ("accepted", "bid", "BTCUSDT")
    ]
    [position] = engine.positions()
    assert (position["strategy"], position["side"]) == ("long", "LONG")


# ------------------------------------------------------------------------ the built-in market maker

L2_CAPTURE = "l2_book/binance_usdm_btcusdt_20240718.jsonl.gz"
MM_TOUCH = MarketMakerConfig(enabled=True, rule="touch", post_only=False)


def doc_examples() -> list[str]:
    """The Python blocks of docs/backtesting.md's "Orders from Python" section."""
    text = (REPO / "docs" / "backtesting.md").read_text()
    section = text.split("## Orders from Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_docs_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, Any] = {}
    for block in doc_examples():
        exec(compile(block, "docs/backtesting.md", "exec"), namespace)
    result = namespace["result"]
    assert len(result.fills) > 100 and result.fills.maker.any()
    assert "canceled" in capsys.readouterr().out


def test_the_docs_python_quoter_fills_as_the_builtin_touch_rule() -> None:
    """The doc's Python port of the touch rule and the compiled one, same data and latency:
    the same fills, to the nanosecond and the price.

    The two rules differ in one point: the built-in cancels only quotes the venue has
    acknowledged. With a response latency (1 ms) shorter than every feed latency of the
    synthetic market (1.2 to 4.3 ms), each quote is acknowledged before the next tick, and the
    rules coincide. The daily trade cap is lifted: it refuses a quote sent from flat only when no
    other quote is working, which the two rules reach at different moments."""
    namespace: dict[str, Any] = {}
    exec(compile(doc_examples()[0], "docs/backtesting.md", "exec"), namespace)
    ticks = generate(10_000, seed=7)
    lag = ticks.columns["ts_recv"] - ticks.columns["ts_event"]
    assert lag.min() > 1_000_000
    config = CONFIG.model_copy(
        update={
            "risk": RiskConfig(max_trades_per_day=10**9),
            "execution": ExecutionConfig(
                order_latency=LatencyConfig(
                    kind="constant", entry_ns=1_000_000, response_ns=1_000_000
                )
            ),
        }
    )
    python = quantum.backtest(ticks, config, strategies=[namespace["TouchQuoter"]()])
    builtin = quantum.backtest(ticks, config.model_copy(update={"market_maker": MM_TOUCH}))
    columns = ["ts_event", "side", "qty", "price", "fee", "maker"]
    assert len(python.fills) > 1000
    assert python.fills[columns].equals(builtin.fills[columns])
    assert python.metrics["net_pnl"] == builtin.metrics["net_pnl"]


def test_the_builtin_touch_quoter_makes_markets_within_its_cap(shared_data: Path) -> None:
    feed, report = load_binance_l2(shared_data / L2_CAPTURE)
    assert report.malformed == 0
    mm = MM_TOUCH
    config = EngineConfig(
        market_maker=mm,
        liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
        order_flow=quantum.OrderFlowConfig(enabled=False),
        volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    )
    result = quantum.backtest(feed, config)
    orders, fills = result.orders, result.fills
    assert len(orders) > 20 and set(orders.strategy) == {"market_maker"}
    assert set(orders.kind) == {"limit"} and set(orders.tif) == {"gtc"}
    assert {"BUY", "SELL"} <= set(orders.side)
    assert set(orders.qty.astype(float)) == {mm.order_qty}
    # Maker fills at the quote's own price.
    assert len(fills) > 10 and set(fills.maker) == {True}
    limit = orders.set_index("order_id").price
    assert (fills.price.astype(float).to_numpy() == limit[fills.order_id].to_numpy()).all()
    # The inventory never goes past the cap.
    signed = np.where(fills.side == "BUY", 1.0, -1.0) * fills.qty.astype(float).to_numpy()
    held = np.cumsum(signed)
    assert np.abs(held).max() <= mm.max_position + 1e-12
    assert (orders.status == "canceled").any(), "quotes left behind by the touch are canceled"
