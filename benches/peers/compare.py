"""Peer comparison: the same EMA rule on the same 1 M trade ticks in NautilusTrader, hftbacktest
and Quantum HFT. Run it with ``benches/peers/run.sh`` (not part of CI: it installs the peers).

Each system runs in its own process (the peers from /tmp/venv-peers, ours from the project's
venv) on one data file written once, and reports JSON: ticks, seconds of the backtest proper
(data preparation and JIT compilation excluded), orders, final P&L. This script prints the table
and our throughput ratios to each peer.

Systems:
  nautilus        NautilusTrader BacktestEngine, a Python ``Strategy`` on trade ticks
  hftbacktest     hftbacktest HashMapMarketDepthBacktest, an ``@njit`` strategy
  quantum-manual  our engine, the rule in Python: ``Engine.on_tick`` per tick with
                  ``submit_entry(qty=0.01)`` / ``submit_close`` (exact target-long / flat)
  quantum-signal  our engine, the rule as a ``quantum.Strategy`` (signals LONG / SHORT only, so
                  "flat" becomes "short 0.01": a reversal system, not the same orders; see README)
  quantum-compiled our engine, the compiled EMA-cross built-in (when the core has it)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import workload as w

# ---------------------------------------------------------------------------------------------
# NautilusTrader


def run_nautilus(data: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    import nautilus_trader
    import pandas as pd
    from nautilus_trader.backtest.engine import BacktestEngine
    from nautilus_trader.config import BacktestEngineConfig, LoggingConfig, StrategyConfig
    from nautilus_trader.indicators import ExponentialMovingAverage
    from nautilus_trader.model.currencies import BTC, USDT
    from nautilus_trader.model.data import TradeTick
    from nautilus_trader.model.enums import AccountType, OmsType, OrderSide, OrderStatus
    from nautilus_trader.model.identifiers import InstrumentId, Symbol, Venue
    from nautilus_trader.model.instruments import CryptoPerpetual
    from nautilus_trader.model.objects import Money, Price, Quantity
    from nautilus_trader.persistence.wranglers import TradeTickDataWrangler
    from nautilus_trader.trading.strategy import Strategy

    venue = Venue("BINANCE")
    instrument = CryptoPerpetual(
        instrument_id=InstrumentId(Symbol("BTCUSDT-PERP"), venue),
        raw_symbol=Symbol("BTCUSDT"),
        base_currency=BTC,
        quote_currency=USDT,
        settlement_currency=USDT,
        is_inverse=False,
        price_precision=1,
        price_increment=Price.from_str("0.1"),
        size_precision=3,
        size_increment=Quantity.from_str("0.001"),
        max_quantity=Quantity.from_str("1000.000"),
        min_quantity=Quantity.from_str("0.001"),
        max_notional=None,
        min_notional=None,
        max_price=Price.from_str("1000000.0"),
        min_price=Price.from_str("0.1"),
        margin_init=Decimal("0.05"),
        margin_maint=Decimal("0.025"),
        maker_fee=Decimal(str(w.FEE)),
        taker_fee=Decimal(str(w.FEE)),
        ts_event=0,
        ts_init=0,
    )

    class EmaConfig(StrategyConfig, frozen=True):
        instrument_id: InstrumentId
        qty: Decimal

    class EmaTarget(Strategy):
        def __init__(self, config: EmaConfig) -> None:
            super().__init__(config)
            self.ema = ExponentialMovingAverage(w.EMA_PERIOD)
            self.long = False
            self.orders = 0
            self.qty = Quantity(float(config.qty), 3)  # the instrument's size precision

        def on_start(self) -> None:
            self.subscribe_trade_ticks(self.config.instrument_id)

        def on_trade_tick(self, tick: TradeTick) -> None:
            self.ema.handle_trade_tick(tick)
            want = float(tick.price) > self.ema.value
            if want != self.long:
                side = OrderSide.BUY if want else OrderSide.SELL
                order = self.order_factory.market(self.config.instrument_id, side, self.qty)
                self.submit_order(order)
                self.long = want
                self.orders += 1

    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id="BENCH-001", logging=LoggingConfig(bypass_logging=True, log_level="ERROR")
        )
    )
    engine.add_venue(
        venue=venue,
        oms_type=OmsType.NETTING,
        account_type=AccountType.MARGIN,
        base_currency=USDT,
        starting_balances=[Money(1_000_000, USDT)],
        trade_execution=True,  # trades drive the simulated book (there are no quotes)
    )
    engine.add_instrument(instrument)
    frame = pd.DataFrame(
        {
            "price": data["price"],
            "quantity": data["qty"],
            "side": ["BUY" if b else "SELL" for b in data["buy"].tolist()],
            "trade_id": [str(i) for i in range(len(data["price"]))],
        },
        index=pd.to_datetime(data["ts"], unit="ns", utc=True),
    )
    ticks = TradeTickDataWrangler(instrument).process(frame)
    engine.add_data(ticks)
    strategy = EmaTarget(EmaConfig(instrument_id=instrument.id, qty=Decimal(str(w.QTY))))
    engine.add_strategy(strategy)
    start = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - start
    account = engine.trader.generate_account_report(venue)
    balance = float(account["total"].iloc[-1])
    positions = engine.cache.positions_open()
    last = float(data["price"][-1])
    unrealized = sum(float(p.unrealized_pnl(Price(last, 1)).as_double()) for p in positions)
    fills = sum(o.status == OrderStatus.FILLED for o in engine.cache.orders())
    engine.dispose()
    return {
        "ticks": len(ticks),
        "seconds": seconds,
        "orders": strategy.orders,
        "fills": fills,
        "pnl": balance - 1_000_000 + unrealized,
        "note": "fills at the last trade price (trade-driven L1 book)",
        "version": f"nautilus_trader {nautilus_trader.__version__}",
    }


# ---------------------------------------------------------------------------------------------
# hftbacktest


def _hft_events(data: dict[str, Any]) -> Any:
    """Depth events for every best bid/ask change (delete the old levels, set the new) and one
    trade event per tick, all exchange+local events at the tick's time."""
    import numpy as np
    from hftbacktest import (
        BUY_EVENT,
        DEPTH_EVENT,
        EXCH_EVENT,
        LOCAL_EVENT,
        SELL_EVENT,
        TRADE_EVENT,
        event_dtype,
    )

    n = len(data["ts"])
    bid, ask, ts = data["bid"], data["ask"], data["ts"]
    both = EXCH_EVENT | LOCAL_EVENT
    moved = np.ones(n, dtype=bool)
    moved[1:] = data["bid_ticks"][1:] != data["bid_ticks"][:-1]
    prev = np.roll(np.arange(n), 1)
    # Per tick: [delete old bid, delete old ask, set new bid, set new ask] when the quote moved (on
    # the first tick the "deletes" set the initial levels), then the trade.
    idx = np.arange(n)
    k = np.where(moved, 4, 0) + 1
    out = np.zeros(int(k.sum()), dtype=event_dtype)
    pos = np.concatenate([[0], np.cumsum(k)[:-1]])
    m = idx[moved]
    p = pos[moved]
    first = m == 0
    out["ev"][p] = both | DEPTH_EVENT | BUY_EVENT
    out["px"][p] = np.where(first, bid[m], bid[prev[m]])
    out["qty"][p] = np.where(first, 1.0, 0.0)
    out["ev"][p + 1] = both | DEPTH_EVENT | SELL_EVENT
    out["px"][p + 1] = np.where(first, ask[m], ask[prev[m]])
    out["qty"][p + 1] = np.where(first, 1.0, 0.0)
    out["ev"][p + 2] = both | DEPTH_EVENT | BUY_EVENT
    out["px"][p + 2] = bid[m]
    out["qty"][p + 2] = 5.0
    out["ev"][p + 3] = both | DEPTH_EVENT | SELL_EVENT
    out["px"][p + 3] = ask[m]
    out["qty"][p + 3] = 5.0
    t = pos + k - 1
    out["ev"][t] = both | TRADE_EVENT | np.where(data["buy"], BUY_EVENT, SELL_EVENT)
    out["px"][t] = data["price"]
    out["qty"][t] = data["qty"]
    for j in range(4):
        out["exch_ts"][p + j] = ts[m]
    out["exch_ts"][t] = ts
    out["local_ts"] = out["exch_ts"]
    return out


def run_hftbacktest(data: dict[str, Any]) -> dict[str, Any]:
    import hftbacktest
    import numpy as np
    from hftbacktest import BacktestAsset, HashMapMarketDepthBacktest
    from hftbacktest.order import GTC, MARKET
    from numba import njit

    @njit
    def ema_target(hbt, alpha, qty):  # type: ignore[no-untyped-def]
        ema = np.nan
        long = False
        orders = 0
        oid = 0
        while hbt.wait_next_feed(False, 1_000_000_000_000) == 2:
            trades = hbt.last_trades(0)
            for i in range(len(trades)):
                px = trades[i].px
                ema = px if np.isnan(ema) else ema + alpha * (px - ema)
                want = px > ema
                if want != long:
                    depth = hbt.depth(0)
                    oid += 1
                    if want:
                        hbt.submit_buy_order(0, oid, depth.best_ask, qty, GTC, MARKET, False)
                    else:
                        hbt.submit_sell_order(0, oid, depth.best_bid, qty, GTC, MARKET, False)
                    long = want
                    orders += 1
            hbt.clear_last_trades(0)
            hbt.clear_inactive_orders(0)
        return orders

    def build(events: Any) -> Any:
        asset = (
            BacktestAsset()
            .data([events])
            .linear_asset(1.0)
            .constant_order_latency(0, 0)
            .risk_adverse_queue_model()
            .no_partial_fill_exchange()
            .trading_value_fee_model(w.FEE, w.FEE)
            .tick_size(w.TICK)
            .lot_size(0.001)
            .last_trades_capacity(16)
        )
        return HashMapMarketDepthBacktest([asset])

    events = _hft_events(data)
    warm = build(events[:1000].copy())
    ema_target(warm, w.ALPHA, w.QTY)  # JIT compilation, excluded from the timing
    warm.close()
    hbt = build(events)
    start = time.perf_counter()
    orders = ema_target(hbt, w.ALPHA, w.QTY)
    seconds = time.perf_counter() - start
    sv = hbt.state_values(0)
    mid = (hbt.depth(0).best_bid + hbt.depth(0).best_ask) / 2
    pnl = sv.balance + sv.position * mid - sv.fee
    result = {
        "ticks": len(data["ts"]),
        "seconds": seconds,
        "orders": int(orders),
        "fills": int(sv.num_trades),
        "pnl": float(pnl),
        "note": f"{len(events):,} feed events (depth changes + trades); fills at bid/ask",
        "version": f"hftbacktest {hftbacktest.__version__}",
    }
    hbt.close()
    return result


# ---------------------------------------------------------------------------------------------
# Quantum HFT


def _quantum_config(**execution: Any) -> Any:
    from quantum import EngineConfig

    return EngineConfig.model_validate(
        {
            "initial_capital": 1_000_000,
            "equity_sample_ns": 3_600_000_000_000,
            "liquidation_hunter": {"enabled": False},
            "order_flow": {"enabled": False},
            "volatility_fader": {"enabled": False},
            "risk": {
                "max_drawdown": 1.0,
                "max_position_notional": 1.0,
                "max_trades_per_day": 10_000_000,
                "fixed_qty": w.QTY,
            },
            "execution": {
                "taker_fee_bps": w.FEE * 1e4,
                "maker_fee_bps": w.FEE * 1e4,
                "slippage_bps": 0.0,
                "take_profit": None,  # no exits but the rule's own
                "stop_loss": None,
                "qty_step": w.QTY,
                **execution,
            },
        }
    )


def _quantum_columns(data: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    return {
        "ts_event": data["ts"],
        "ts_recv": data["ts"],
        "symbol": np.zeros(len(data["ts"]), dtype=np.uint32),
        "price": data["price"],
        "bid": data["bid"],
        "ask": data["ask"],
        "volume": data["qty"],
        "buy_volume": np.where(data["buy"], data["qty"], 0.0),
        "sell_volume": np.where(data["buy"], 0.0, data["qty"]),
    }


def _quantum_version() -> str:
    import quantum

    return f"quantum {quantum.__version__}"


def _quantum_pnl(engine: Any) -> float:
    m = engine.metrics()
    return float(m["final_equity"] - m["initial_capital"])


def run_quantum_manual(data: dict[str, Any]) -> dict[str, Any]:
    import quantum

    engine = quantum.Engine(_quantum_config())
    native = engine.native
    on_tick = native.on_tick
    ts = data["ts"].tolist()
    price, bid, ask = data["price"].tolist(), data["bid"].tolist(), data["ask"].tolist()
    alpha, qty = w.ALPHA, w.QTY
    ema = math.nan
    held = False  # the position the engine holds (or will hold once the in-flight order fills)
    in_flight = False
    orders = 0
    start = time.perf_counter()
    for i in range(len(ts)):
        t, px = ts[i], price[i]
        if on_tick(t, t, 0, px, bid[i], ask[i]) and in_flight:
            # Only our orders fill here, so any event while one is in flight is its fill
            # (or a rejection, which leaves the position as it was).
            in_flight = False
            held = engine.native.positions() != []
        ema = px if ema != ema else ema + alpha * (px - ema)
        want = px > ema
        # Market order for the difference; the core allows one order in flight per symbol
        # (it fills on the next tick), so a flip while one is in flight waits a tick.
        if want != held and not in_flight:
            if want:
                native.submit_entry(0, "LONG", t, t, qty, None)
            else:
                native.submit_close(0, t)
            in_flight = True
            orders += 1
    native.finish()
    seconds = time.perf_counter() - start
    return {
        "ticks": len(ts),
        "seconds": seconds,
        "orders": orders,
        "fills": int(engine.stats()["fills"]),
        "pnl": _quantum_pnl(engine),
        "note": "Engine.on_tick loop + manual orders; fill next tick at bid/ask, one in flight",
        "version": _quantum_version(),
    }


def run_quantum_signal(data: dict[str, Any]) -> dict[str, Any]:
    import quantum

    class EmaSignal(quantum.Strategy):
        name = "ema_signal"

        def __init__(self) -> None:
            self.ema = math.nan

        def on_tick(
            self, tick: quantum.TickView, features: quantum.FeatureView
        ) -> quantum.Decision | None:
            px = tick.price
            e = self.ema
            e = px if e != e else e + w.ALPHA * (px - e)
            self.ema = e
            if px == e:
                return None
            return quantum.Decision("LONG" if px > e else "FLAT", 1.0)

    result = quantum.backtest(_quantum_columns(data), _quantum_config(), strategies=[EmaSignal()])
    return {
        "ticks": result.ticks_processed,
        "seconds": result.elapsed_s,
        "orders": int(result.stats["fills"]),
        "fills": int(result.stats["fills"]),
        "pnl": float(result.metrics["final_equity"] - result.metrics["initial_capital"]),
        "note": "quantum.Strategy (Python, slow path): LONG above the EMA, FLAT below",
        "version": _quantum_version(),
    }


def run_quantum_compiled(data: dict[str, Any]) -> dict[str, Any]:
    """The compiled EMA-cross built-in, configured as target-long / flat, when the core has it."""
    import quantum

    config = _quantum_config().model_copy(
        update={
            "ema_cross": quantum.EmaCrossConfig(enabled=True),
            "features": quantum.FeatureConfig(ema_period=w.EMA_PERIOD),
        }
    )
    result = quantum.backtest(_quantum_columns(data), config)
    return {
        "ticks": result.ticks_processed,
        "seconds": result.elapsed_s,
        "orders": int(result.stats["fills"]),
        "fills": int(result.stats["fills"]),
        "pnl": float(result.metrics["final_equity"] - result.metrics["initial_capital"]),
        "note": "compiled EMA-cross built-in",
        "version": _quantum_version(),
    }


RUNNERS = {
    "nautilus": run_nautilus,
    "hftbacktest": run_hftbacktest,
    "quantum-manual": run_quantum_manual,
    "quantum-signal": run_quantum_signal,
    "quantum-compiled": run_quantum_compiled,
}
PEERS = ("nautilus", "hftbacktest")


# ---------------------------------------------------------------------------------------------
# Orchestration


def _run_one(system: str, python: str, data_file: Path) -> dict[str, Any]:
    cmd = [python, __file__, "--system", system, "--data-file", str(data_file)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", choices=sorted(RUNNERS))
    parser.add_argument("--data-file", type=Path)
    parser.add_argument("--ticks", type=int, default=w.N_TICKS)
    parser.add_argument("--peers-python", default=os.environ.get("PEERS_PYTHON", sys.executable))
    parser.add_argument(
        "--quantum-python", default=os.environ.get("QUANTUM_PYTHON", sys.executable)
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--systems",
        default=",".join(RUNNERS),
        help="comma-separated subset to run (NautilusTrader alone takes ~20 min at 1 M ticks)",
    )
    args = parser.parse_args()
    chosen = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(RUNNERS))
    if unknown:
        parser.error(f"unknown system(s): {', '.join(unknown)}; choose from {', '.join(RUNNERS)}")

    if args.system:  # worker mode: one system, one JSON line on stdout
        print(json.dumps(RUNNERS[args.system](w.load(args.data_file))))
        return

    with tempfile.TemporaryDirectory() as tmp:
        data_file = Path(tmp) / "ticks.npz"
        data = w.generate(args.ticks)
        w.save(data_file, data)
        flips = w.reference_targets(data["price"])
        expected = int(flips[0]) + int((flips[1:] != flips[:-1]).sum())
        print(f"workload: {args.ticks:,} trade ticks, seed {w.SEED}; EMA({w.EMA_PERIOD}) rule "
              f"→ {expected:,} orders expected")  # fmt: skip
        results: dict[str, dict[str, Any]] = {}
        for system in chosen:
            python = args.peers_python if system in PEERS else args.quantum_python
            results[system] = _run_one(system, python, data_file)
            print(f"  {system}: {results[system]}", file=sys.stderr)

    versions = sorted({r["version"] for r in results.values() if "version" in r})
    print(f"versions: {', '.join(versions)}")
    print(f"\n{'system':<17}{'ticks/s':>14}{'seconds':>10}{'orders':>10}{'final P&L':>14}  note")
    for system, r in results.items():
        if "seconds" not in r:
            print(f"{system:<17}{'-':>14}{'-':>10}{'-':>10}{'-':>14}  "
                  f"{r.get('skipped') or r.get('error')}")  # fmt: skip
            continue
        rate = r["ticks"] / r["seconds"]
        r["ticks_per_s"] = rate
        print(f"{system:<17}{rate:>14,.0f}{r['seconds']:>10.2f}{r['orders']:>10,}"
              f"{r['pnl']:>14,.2f}  {r['note']}")  # fmt: skip
    print("\nour throughput / peer's:")
    for ours in ("quantum-manual", "quantum-signal", "quantum-compiled"):
        if "ticks_per_s" not in results.get(ours, {}):
            continue
        ratios = [
            f"{results[ours]['ticks_per_s'] / results[p]['ticks_per_s']:.2f}× {p}"
            for p in PEERS
            if "ticks_per_s" in results.get(p, {})
        ]
        print(f"  {ours}: {', '.join(ratios) or 'no peer ran'}")
    if args.json:
        args.json.write_text(
            json.dumps({"expected_orders": expected, "results": results}, indent=2)
        )


if __name__ == "__main__":
    main()
