"""One quoting rule in hftbacktest on a converted Binance USD-M capture; prints JSON results.

The rule (our simulator implements the same one; benches/peers/HFTBACKTEST_NOTES.md explains
hftbacktest's side of every detail):

- quoting starts at the first loop step at or after the local receipt of the REST snapshot, and a
  step acts only while the local book has both a best bid and a best ask;
- a bid of ``--qty`` rests at the local best bid and an ask at the local best ask (GTC limits);
- at every step of the loop (each feed message and each order response, see ``quote_loop``), a
  resting quote whose price is no longer the best on its side is canceled, and a quote still at
  the best is kept (it keeps its queue position);
- a side with no live order (resting, or awaiting its new-order ack; an order awaiting a cancel
  ack is not live) gets a new one at the best price, unless that would break the inventory cap;
- inventory cap, a hard one: a new bid is sent only if ``position + open buy qty + qty <= max_pos``
  and a new ask only if ``-position + open sell qty + qty <= max_pos``, where ``position`` is what
  the strategy knows (fills whose responses have reached it) and the open quantity is the leaves
  quantity of that side's orders not yet known to be finished (pending new, resting, or awaiting
  a cancel ack). Every order that can still fill is counted, so the position never passes the
  cap, even while fill responses are in flight (the plain "no bid while position >= max_pos"
  reached 0.006 on the 2024-08-08 capture: a fill was on its way back while its replacement
  filled too).

Run (from the repository root):

    .venv/bin/python benches/peers/hftbacktest_mm.py \
        --data ../shared/data/l2_book/binance_usdm_btcusdt_20240808.jsonl.gz --queue-model prob_power

``--data`` takes a raw collector capture (converted into a temporary directory with hftbacktest's
own Binance futures converter; ``--save-npz`` keeps a copy) or an already converted ``.npz``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import hftbacktest
import numba
import numpy as np
from hftbacktest import GTC, GTX, LIMIT, BacktestAsset, HashMapMarketDepthBacktest
from hftbacktest_capture import convert_capture, event_counts
from numba import njit, types
from numba.typed import Dict

QUEUE_MODELS = ("risk_averse", "prob_power", "prob_power2", "prob_power3", "prob_log", "prob_log2")
NS_PER_MS = 1_000_000
WARMUP_ROWS = 5_000

# Order status and side codes (hftbacktest.order; types.rs `Status`, `Side`).
_NONE, _NEW, _EXPIRED, _FILLED, _CANCELED, _PARTIALLY_FILLED = 0, 1, 2, 3, 4, 5
_BUY, _SELL = 1, -1
_INVALID_MIN = -(2**63)  # best_bid_tick of an empty bid side
_INVALID_MAX = 2**63 - 1  # best_ask_tick of an empty ask side
_STEP_TIMEOUT_NS = 3_600 * 1_000_000_000

# Slots of the integer and float result arrays filled by `quote_loop`.
(
    I_FEED_STEPS,
    I_RESPONSE_STEPS,
    I_TIMEOUT_STEPS,
    I_BUYS_SENT,
    I_SELLS_SENT,
    I_CANCELS_SENT,
    I_ORDERS_CANCELED,
    I_ORDERS_EXPIRED,
    I_FILLS,
    I_MAKER_FILLS,
    I_TAKER_FILLS,
    I_ERROR,
    I_HBT_NUM_TRADES,
    I_END_TS,
    N_INT,
) = range(15)
(
    F_MAKER_VOLUME,
    F_TAKER_VOLUME,
    F_BUY_VOLUME,
    F_SELL_VOLUME,
    F_CASH,
    F_FEES,
    F_POSITION,
    F_MAX_ABS_POSITION,
    F_LAST_MID,
    F_HBT_POSITION,
    F_HBT_BALANCE,
    F_HBT_FEE,
    N_FLOAT,
) = range(13)


@njit
def _account_fills(hbt, executed, maker_fee, taker_fee, out_i, out_f):  # type: ignore[no-untyped-def]
    """Books every executed-quantity increase seen on the local orders since the last step.

    The executed quantity of an order is ``qty - leaves_qty``, so several responses for one order
    folded into one step are still counted in full. A fill is priced at the order's
    ``exec_price`` (its own price when it rested, the book price when it took liquidity on
    arrival; for a taker order that swept several levels only the last level's price is known
    locally). Terminal orders are then dropped from the local dictionary.
    """
    values = hbt.orders(0).values()
    while values.has_next():
        order = values.get()
        oid = order.order_id
        done = order.qty - order.leaves_qty
        prev = executed.get(oid, 0.0)
        if done > prev + 1e-12:
            dq = done - prev
            executed[oid] = done
            px = order.exec_price
            notional = px * dq
            out_i[I_FILLS] += 1
            if order.arr[0].maker:
                out_i[I_MAKER_FILLS] += 1
                out_f[F_MAKER_VOLUME] += dq
                out_f[F_FEES] += maker_fee * notional
            else:
                out_i[I_TAKER_FILLS] += 1
                out_f[F_TAKER_VOLUME] += dq
                out_f[F_FEES] += taker_fee * notional
            if order.side == _BUY:
                out_f[F_BUY_VOLUME] += dq
                out_f[F_POSITION] += dq
                out_f[F_CASH] -= notional
            else:
                out_f[F_SELL_VOLUME] += dq
                out_f[F_POSITION] -= dq
                out_f[F_CASH] += notional
        status = order.status
        if status in (_FILLED, _CANCELED, _EXPIRED):
            if status == _CANCELED:
                out_i[I_ORDERS_CANCELED] += 1
            elif status == _EXPIRED:
                out_i[I_ORDERS_EXPIRED] += 1
            if oid in executed:
                executed.pop(oid)
    hbt.clear_inactive_orders(0)
    pos = abs(out_f[F_POSITION])
    if pos > out_f[F_MAX_ABS_POSITION]:
        out_f[F_MAX_ABS_POSITION] = pos


@njit
def _manage_side(hbt, side, best_tick, out_i):  # type: ignore[no-untyped-def]
    """Cancels this side's resting quotes that are off ``best_tick``.

    Returns the number of live orders left on the side (resting at the best, or awaiting their
    new-order ack) and the side's open quantity: the leaves quantity of every order not known to
    be finished, including those awaiting a cancel ack (they may still fill).
    """
    live = 0
    open_qty = 0.0
    values = hbt.orders(0).values()
    while values.has_next():
        order = values.get()
        if order.side != side:
            continue
        open_qty += order.leaves_qty
        status = order.status
        req = order.req
        if req == _NEW:
            live += 1
        elif req == _NONE and (status in (_NEW, _PARTIALLY_FILLED)):
            if order.price_tick == best_tick:
                live += 1
            elif hbt.cancel(0, order.order_id, False) == 0:
                out_i[I_CANCELS_SENT] += 1
    return live, open_qty


@njit
def quote_loop(hbt, qty, max_pos, maker_fee, taker_fee, tif, start_ts, out_i, out_f):  # type: ignore[no-untyped-def]
    """Drives the backtest one step at a time to the end of the data and applies the rule.

    A step is one ``wait_next_feed(include_order_resp=True)``: it returns after the backtester
    has processed everything up to the local timestamp of the next feed message (every row of one
    websocket message shares that timestamp) or of the next order response, whichever is first.
    """
    executed = Dict.empty(key_type=types.uint64, value_type=types.float64)
    next_id = 1
    eps = 1e-9
    while True:
        rc = hbt.wait_next_feed(True, _STEP_TIMEOUT_NS)
        if rc == 1:
            break
        if rc == 2:
            out_i[I_FEED_STEPS] += 1
        elif rc == 3:
            out_i[I_RESPONSE_STEPS] += 1
        elif rc == 0:
            out_i[I_TIMEOUT_STEPS] += 1
        else:
            out_i[I_ERROR] = rc
            break
        _account_fills(hbt, executed, maker_fee, taker_fee, out_i, out_f)

        depth = hbt.depth(0)
        bid_tick = depth.best_bid_tick
        ask_tick = depth.best_ask_tick
        if hbt.current_timestamp < start_ts or bid_tick == _INVALID_MIN or ask_tick == _INVALID_MAX:
            continue
        tick = depth.tick_size
        position = out_f[F_POSITION]

        live, open_buy = _manage_side(hbt, _BUY, bid_tick, out_i)
        if live == 0 and position + open_buy + qty <= max_pos + eps:
            rc = hbt.submit_buy_order(0, next_id, bid_tick * tick, qty, tif, LIMIT, False)
            if rc != 0:
                out_i[I_ERROR] = rc
                break
            out_i[I_BUYS_SENT] += 1
            next_id += 1
        live, open_sell = _manage_side(hbt, _SELL, ask_tick, out_i)
        if live == 0 and -position + open_sell + qty <= max_pos + eps:
            rc = hbt.submit_sell_order(0, next_id, ask_tick * tick, qty, tif, LIMIT, False)
            if rc != 0:
                out_i[I_ERROR] = rc
                break
            out_i[I_SELLS_SENT] += 1
            next_id += 1

    depth = hbt.depth(0)
    out_f[F_LAST_MID] = (depth.best_bid + depth.best_ask) / 2.0
    state = hbt.state_values(0)
    out_f[F_HBT_POSITION] = state.position
    out_f[F_HBT_BALANCE] = state.balance
    out_f[F_HBT_FEE] = state.fee
    out_i[I_HBT_NUM_TRADES] = state.num_trades
    out_i[I_END_TS] = hbt.current_timestamp


def build_asset(data: np.ndarray, args: argparse.Namespace) -> BacktestAsset:
    asset = (
        BacktestAsset()
        .data(data)
        .linear_asset(1.0)
        .constant_order_latency(
            args.entry_latency_ms * NS_PER_MS, args.response_latency_ms * NS_PER_MS
        )
        .trading_value_fee_model(args.maker_fee_bps / 1e4, args.taker_fee_bps / 1e4)
        .tick_size(args.tick_size)
        .lot_size(args.lot_size)
        .parallel_load(False)
    )
    queue_model = {
        "risk_averse": lambda: asset.risk_adverse_queue_model(),
        "prob_power": lambda: asset.power_prob_queue_model(args.power_n),
        "prob_power2": lambda: asset.power_prob_queue_model2(args.power_n),
        "prob_power3": lambda: asset.power_prob_queue_model3(args.power_n),
        "prob_log": lambda: asset.log_prob_queue_model(),
        "prob_log2": lambda: asset.log_prob_queue_model2(),
    }
    queue_model[args.queue_model]()
    if args.exchange == "partial":
        asset.partial_fill_exchange()
    else:
        asset.no_partial_fill_exchange()
    return asset


def run(
    data: np.ndarray, args: argparse.Namespace, start_ts: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Builds a backtest on ``data`` (kept alive by the caller: hftbacktest reads it in place)
    and runs the rule; returns the result arrays and the loop's wall seconds."""
    hbt = HashMapMarketDepthBacktest([build_asset(data, args)])
    out_i = np.zeros(N_INT, np.int64)
    out_f = np.zeros(N_FLOAT, np.float64)
    tif = GTX if args.tif == "gtx" else GTC
    t0 = time.perf_counter()
    quote_loop(
        hbt,
        args.qty,
        args.max_pos,
        args.maker_fee_bps / 1e4,
        args.taker_fee_bps / 1e4,
        tif,
        start_ts,
        out_i,
        out_f,
    )
    seconds = time.perf_counter() - t0
    hbt.close()
    return out_i, out_f, seconds


def report(
    args: argparse.Namespace,
    counts: dict[str, Any],
    conversion: dict[str, Any],
    out_i: np.ndarray,
    out_f: np.ndarray,
    seconds: float,
) -> dict[str, Any]:
    position = float(out_f[F_POSITION])
    # When the last feed message is the last event, hftbacktest processes it and answers
    # EndOfData instead of MarketFeed (and leaves current_timestamp at the step before).
    ended_inside_last_step = out_i[I_ERROR] == 0 and out_i[I_END_TS] < counts["last_local_ts"]
    mid = float(out_f[F_LAST_MID])
    fees = float(out_f[F_FEES])
    pnl = float(out_f[F_CASH]) + position * mid - fees
    hbt_pnl = (
        float(out_f[F_HBT_BALANCE]) + float(out_f[F_HBT_POSITION]) * mid - float(out_f[F_HBT_FEE])
    )
    return {
        "system": "hftbacktest",
        "versions": {
            "hftbacktest": hftbacktest.__version__,
            "numba": numba.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "data": str(args.data),
        "params": {
            "queue_model": args.queue_model,
            "power_n": args.power_n if args.queue_model.startswith("prob_power") else None,
            "exchange": args.exchange,
            "entry_latency_ms": args.entry_latency_ms,
            "response_latency_ms": args.response_latency_ms,
            "maker_fee_bps": args.maker_fee_bps,
            "taker_fee_bps": args.taker_fee_bps,
            "qty": args.qty,
            "max_pos": args.max_pos,
            "tick_size": args.tick_size,
            "lot_size": args.lot_size,
            "time_in_force": args.tif,
        },
        "conversion": conversion,
        "events": counts,
        "loop": {
            "seconds": seconds,
            "market_events_per_s": counts["market_events"] / seconds,
            "feed_steps": int(out_i[I_FEED_STEPS]),
            "feed_messages_processed": int(out_i[I_FEED_STEPS]) + int(ended_inside_last_step),
            "response_steps": int(out_i[I_RESPONSE_STEPS]),
            "timeout_steps": int(out_i[I_TIMEOUT_STEPS]),
            "end_ts": int(out_i[I_END_TS]),
            "error_code": int(out_i[I_ERROR]),
        },
        "orders": {
            "sent": int(out_i[I_BUYS_SENT] + out_i[I_SELLS_SENT]),
            "buys_sent": int(out_i[I_BUYS_SENT]),
            "sells_sent": int(out_i[I_SELLS_SENT]),
            "cancels_sent": int(out_i[I_CANCELS_SENT]),
            "canceled": int(out_i[I_ORDERS_CANCELED]),
            "expired": int(out_i[I_ORDERS_EXPIRED]),
        },
        "fills": {
            "count": int(out_i[I_FILLS]),
            "maker_count": int(out_i[I_MAKER_FILLS]),
            "maker_volume": float(out_f[F_MAKER_VOLUME]),
            "taker_count": int(out_i[I_TAKER_FILLS]),
            "taker_volume": float(out_f[F_TAKER_VOLUME]),
            "buy_volume": float(out_f[F_BUY_VOLUME]),
            "sell_volume": float(out_f[F_SELL_VOLUME]),
        },
        "fees_paid": fees,
        "final_position": position,
        "max_abs_position": float(out_f[F_MAX_ABS_POSITION]),
        "last_mid": mid,
        "net_pnl": pnl,
        "hftbacktest_state": {
            "position": float(out_f[F_HBT_POSITION]),
            "balance": float(out_f[F_HBT_BALANCE]),
            "fee": float(out_f[F_HBT_FEE]),
            "num_trades": int(out_i[I_HBT_NUM_TRADES]),
            "net_pnl": hbt_pnl,
        },
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True, help="raw capture (.gz) or converted .npz")
    p.add_argument("--queue-model", choices=QUEUE_MODELS, default="risk_averse")
    p.add_argument("--power-n", type=float, default=2.0, help="exponent of the prob_power* models")
    p.add_argument("--exchange", choices=("no_partial", "partial"), default="no_partial")
    p.add_argument("--entry-latency-ms", type=int, default=10)
    p.add_argument("--response-latency-ms", type=int, default=10)
    p.add_argument("--maker-fee-bps", type=float, default=2.0, help="negative = rebate")
    p.add_argument("--taker-fee-bps", type=float, default=5.0)
    p.add_argument("--qty", type=float, default=0.001, help="quote size, base currency")
    p.add_argument("--max-pos", type=float, default=0.005, help="inventory cap, base currency")
    p.add_argument("--tick-size", type=float, default=0.1)
    p.add_argument("--lot-size", type=float, default=0.001)
    p.add_argument("--tif", choices=("gtc", "gtx"), default="gtc")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.add_argument("--save-npz", type=Path, help="also keep the converted events here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hbt-peer-") as tmp:
        if args.data.suffix == ".npz":
            npz, conversion = args.data, {"raw_lines_by_kind": None}
        else:
            npz = Path(tmp) / "events.npz"
            conversion = convert_capture(args.data, npz)
            if args.save_npz is not None:
                shutil.copyfile(npz, args.save_npz)
        with np.load(npz) as f:
            data = f["data"]
    counts = event_counts(data)
    start_ts = counts["snapshot_local_ts"]
    warm = np.ascontiguousarray(data[:WARMUP_ROWS])
    run(warm, args, start_ts)  # compiles quote_loop and hftbacktest's jitted wrappers
    out_i, out_f, seconds = run(data, args, start_ts)
    result = report(args, counts, conversion, out_i, out_f, seconds)
    text = json.dumps(result, indent=2)
    if args.out is not None:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if result["loop"]["error_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
