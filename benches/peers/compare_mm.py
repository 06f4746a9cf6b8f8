"""The same quoting rule on the same Binance USD-M capture in hftbacktest and in Quantum HFT, with
the same latencies, fees and queue model; prints both results, their differences and the speed
ratio as JSON (and a table on stderr).

The rule (benches/peers/hftbacktest_mm.py and core-rs/src/strategy/market_maker.rs, `touch`):
a bid at the best bid and an ask at the best ask, GTC, one lot each; a quote no longer at the
best is canceled and replaced; a hard inventory cap counting every order that can still fill.

Same inputs: the same capture file, its receive times moved later by the capture clock's lag
behind the exchange (hftbacktest's converter and our loader make the same shift). hftbacktest's
converter keeps the depth updates, the snapshot and the trades; our run also sees the capture's
bookTicker messages, which do not change the book but are events at which the venue takes the
requests that reached it (hftbacktest takes each request at its exact arrival time instead; see
docs/simulator.md). Same P&L convention: cash from fills, fees, and the open position at
hftbacktest's last mid. Every remaining difference is explained in docs/simulator.md.

    .venv/bin/python benches/peers/compare_mm.py \\
        --data ../shared/data/l2_book/binance_usdm_btcusdt_20240808.jsonl.gz --queue-model prob_power
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Agreement the comparison test holds the two systems to (docs/simulator.md explains the gaps).
TOLERANCE = {"fills": 0.10, "maker_volume": 0.10, "net_pnl_usdt": 2.0, "net_pnl_fraction": 0.15}


def _our_config(args: argparse.Namespace) -> Any:
    from quantum.engine.config import (
        EngineConfig,
        ExecutionConfig,
        LatencyConfig,
        LiquidationHunterConfig,
        MarketMakerConfig,
        OrderFlowConfig,
        QueueConfig,
        VolatilityFaderConfig,
    )

    model, shape, power = "risk_averse", "power", args.power_n
    if args.queue_model.startswith("prob_power"):
        model = "prob"
    elif args.queue_model.startswith("prob_log"):
        model, shape = "prob", "log"
    ms = 1_000_000
    latency = LatencyConfig(
        kind="constant",
        entry_ns=args.entry_latency_ms * ms,
        response_ns=args.response_latency_ms * ms,
    )
    return EngineConfig(
        liquidation_hunter=LiquidationHunterConfig(enabled=False),
        order_flow=OrderFlowConfig(enabled=False),
        volatility_fader=VolatilityFaderConfig(enabled=False),
        market_maker=MarketMakerConfig(
            enabled=True,
            rule="touch",
            post_only=args.tif == "gtx",
            order_qty=args.qty,
            max_position=args.max_pos,
            tick_size=args.tick_size,
        ),
        execution=ExecutionConfig(
            maker_fee_bps=args.maker_fee_bps,
            taker_fee_bps=args.taker_fee_bps,
            order_latency=latency,
            queue=QueueConfig(model=model, shape=shape, power=power),
        ),
        risk={"max_position_notional": 1.0, "max_trades_per_day": 10_000_000, "max_drawdown": 1.0},
    )


def run_quantum(args: argparse.Namespace, last_mid: float) -> dict[str, Any]:
    import quantum
    from quantum.data import load_binance_l2

    feed, report = load_binance_l2(args.data)
    config = _our_config(args)
    times = []
    result = None
    for _ in range(args.runs):
        result = quantum.backtest(feed, config)
        times.append(result.elapsed_s)
    assert result is not None
    times.sort()
    seconds = times[len(times) // 2]
    fills = result.fills[~result.fills["shadow"]]
    maker = fills[fills["maker"]]
    qty = [Decimal(q) for q in fills["qty"]]
    signed = [q if s == "BUY" else -q for q, s in zip(qty, fills["side"], strict=True)]
    cash = sum((-q * Decimal(p) for q, p in zip(signed, fills["price"], strict=True)), Decimal(0))
    fees = sum((Decimal(f) for f in fills["fee"]), Decimal(0))
    position = sum(signed, Decimal(0))
    orders = result.orders
    return {
        "system": "quantum",
        "receive_clock_shift_ns": report.receive_clock_shift_ns,
        "ticks": len(feed.ticks),
        "depth_messages": len(feed.depth),
        "depth_levels": len(feed.depth.price),
        "seconds": seconds,
        "fills": {
            "count": len(fills),
            "maker_count": len(maker),
            "maker_volume": float(sum((Decimal(q) for q in maker["qty"]), Decimal(0))),
            "taker_count": len(fills) - len(maker),
            "taker_volume": float(
                sum(qty, Decimal(0)) - sum((Decimal(q) for q in maker["qty"]), Decimal(0))
            ),
        },
        "orders": {
            "sent": int((orders["strategy"] == "market_maker").sum()),
            "canceled": int((orders["status"] == "canceled").sum()),
            "rejected": int((orders["status"] == "rejected").sum()),
        },
        "fees_paid": float(fees),
        "final_position": float(position),
        "net_pnl": float(cash - fees + position * Decimal(str(last_mid))),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_hftbacktest(args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(HERE / "hftbacktest_mm.py"),
        "--data", str(args.data),
        "--queue-model", args.queue_model,
        "--power-n", str(args.power_n),
        "--entry-latency-ms", str(args.entry_latency_ms),
        "--response-latency-ms", str(args.response_latency_ms),
        "--maker-fee-bps", str(args.maker_fee_bps),
        "--taker-fee-bps", str(args.taker_fee_bps),
        "--qty", str(args.qty),
        "--max-pos", str(args.max_pos),
        "--tick-size", str(args.tick_size),
        "--tif", args.tif,
    ]  # fmt: skip
    best = None
    for _ in range(args.runs):
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
        if proc.returncode != 0:
            raise SystemExit(f"hftbacktest_mm.py failed:\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout)
        if best is None or out["loop"]["seconds"] < best["loop"]["seconds"]:
            best = out
    assert best is not None
    return best


def compare(h: dict[str, Any], q: dict[str, Any]) -> dict[str, Any]:
    """The differences and whether they are within :data:`TOLERANCE`."""
    rel = lambda a, b: abs(a - b) / max(abs(b), 1e-12)  # noqa: E731
    fills = rel(q["fills"]["count"], h["fills"]["count"])
    maker = rel(q["fills"]["maker_volume"], h["fills"]["maker_volume"])
    pnl_gap = abs(q["net_pnl"] - h["net_pnl"])
    pnl_ok = pnl_gap <= max(
        TOLERANCE["net_pnl_usdt"], TOLERANCE["net_pnl_fraction"] * abs(h["net_pnl"])
    )
    hbt_events = h["events"]["market_events"]
    return {
        "fills_rel_diff": fills,
        "maker_volume_rel_diff": maker,
        "net_pnl_diff_usdt": q["net_pnl"] - h["net_pnl"],
        "within_tolerance": fills <= TOLERANCE["fills"]
        and maker <= TOLERANCE["maker_volume"]
        and pnl_ok,
        "tolerance": TOLERANCE,
        # Both systems process the same capture: events/s on hftbacktest's count of its events.
        "events": hbt_events,
        "hftbacktest_events_per_s": hbt_events / h["loop"]["seconds"],
        "quantum_events_per_s": hbt_events / q["seconds"],
        "speed_ratio": h["loop"]["seconds"] / q["seconds"],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument(
        "--queue-model", choices=("risk_averse", "prob_power", "prob_log"), default="prob_power"
    )
    p.add_argument("--power-n", type=float, default=3.0)
    p.add_argument("--entry-latency-ms", type=int, default=10)
    p.add_argument("--response-latency-ms", type=int, default=10)
    p.add_argument("--maker-fee-bps", type=float, default=2.0)
    p.add_argument("--taker-fee-bps", type=float, default=5.0)
    p.add_argument("--qty", type=float, default=0.001)
    p.add_argument("--max-pos", type=float, default=0.005)
    p.add_argument("--tick-size", type=float, default=0.1)
    p.add_argument("--tif", choices=("gtc", "gtx"), default="gtc")
    p.add_argument(
        "--runs", type=int, default=3, help="runs of each; the fastest hftbacktest, our median"
    )
    p.add_argument("--out", type=Path)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    h = run_hftbacktest(args)
    q = run_quantum(args, h["last_mid"])
    doc = {"hftbacktest": h, "quantum": q, "comparison": compare(h, q)}
    text = json.dumps(doc, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    c = doc["comparison"]
    rows = [
        ("fills (maker / taker)", f"{h['fills']['maker_count']} / {h['fills']['taker_count']}",
         f"{q['fills']['maker_count']} / {q['fills']['taker_count']}"),
        ("maker volume", f"{h['fills']['maker_volume']:.3f}", f"{q['fills']['maker_volume']:.3f}"),
        ("fees", f"{h['fees_paid']:.4f}", f"{q['fees_paid']:.4f}"),
        ("net P&L (USDT)", f"{h['net_pnl']:.4f}", f"{q['net_pnl']:.4f}"),
        ("final position", f"{h['final_position']:.3f}", f"{q['final_position']:.3f}"),
        ("loop seconds", f"{h['loop']['seconds']:.4f}", f"{q['seconds']:.4f}"),
    ]  # fmt: skip
    for label, a, b in rows:
        print(f"{label:24s} hftbacktest {a:>14s}   quantum {b:>14s}", file=sys.stderr)
    print(
        f"speed: {c['speed_ratio']:.2f}x hftbacktest ({c['quantum_events_per_s'] / 1e6:.2f} M vs "
        f"{c['hftbacktest_events_per_s'] / 1e6:.2f} M events/s); within tolerance: {c['within_tolerance']}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
