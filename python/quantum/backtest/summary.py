"""A backtest result as a machine-readable document and as labelled rows for people.

The CLI's ``--json`` file, its metrics table and the HTML report all come from here, so the three
always agree. Money stays exact: Decimals become decimal strings in JSON, never floats.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from quantum.backtest.runner import BacktestResult

__all__ = [
    "BOOK_KEYS",
    "book_stats",
    "execution_summary",
    "jsonable",
    "metric_rows",
    "result_document",
    "shadow_rows",
    "shadow_summary",
]

BOOK_KEYS: Final[tuple[str, ...]] = (
    "updates_applied",
    "gaps_detected",
    "checksum_failures",
    "resyncs",
)
"""The order-book counters reported under ``book`` when the data has depth."""


def book_stats(result: BacktestResult) -> dict[str, int] | None:
    """The order-book counters of a run with depth, or None for a tick-only run.

    A result of a depth-driven run (``quantum.backtest`` on a ``FeedChunk``) carries the core's
    book counters; they are reported with the :data:`BOOK_KEYS` first (the core's ``gaps`` is
    reported as ``gaps_detected``); a tick-only result reports ``book: null``.
    """
    book = getattr(result, "book", None)
    if not isinstance(book, Mapping) or not book:
        return None
    named = {("gaps_detected" if k == "gaps" else str(k)): int(v) for k, v in book.items()}
    return {key: named.get(key, 0) for key in BOOK_KEYS} | {
        k: v for k, v in named.items() if k not in BOOK_KEYS
    }


def jsonable(value: Any) -> Any:
    """A value JSON can carry exactly: Decimal → string, NaN/inf → None, NumPy → Python."""
    if isinstance(value, Decimal):
        return format(value, "f")  # "0.00000000", never "0E-8"
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # NumPy scalar
        return jsonable(value.item())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def execution_summary(result: BacktestResult) -> dict[str, Any]:
    """How the real orders executed: fills and base volume made (maker) and taken (taker), fees
    paid (negative: rebates received) and net P&L in quote currency, and the orders by final
    state. Shadow fills are not counted."""
    fills = result.fills
    real = fills[~fills["shadow"]] if len(fills) else fills
    maker = real[real["maker"]] if len(real) else real
    taker = real[~real["maker"]] if len(real) else real

    def volume(frame: Any) -> Decimal:
        return sum((Decimal(q) for q in frame["qty"]), Decimal(0)) if len(frame) else Decimal(0)

    orders = result.orders
    by_state = (
        {str(k): int(v) for k, v in orders["status"].value_counts().sort_index().items()}
        if len(orders)
        else {}
    )
    m = result.metrics
    return {
        "maker_fills": len(maker),
        "taker_fills": len(taker),
        "maker_volume": jsonable(volume(maker)),
        "taker_volume": jsonable(volume(taker)),
        "fees": jsonable(m.get("fees", Decimal(0))),
        "net_pnl": jsonable(m.get("net_pnl", Decimal(0))),
        "orders": by_state,
    }


def shadow_summary(result: BacktestResult) -> dict[str, Any]:
    """The shadow trades of a run: signals Kelly sized to zero, followed with the same fill,
    exit, fee and funding rules and no capital (never in equity or the real figures)."""
    m = result.metrics
    return {
        "trades": int(m.get("shadow_trades", 0)),
        "wins": int(m.get("shadow_wins", 0)),
        "win_rate": jsonable(m.get("shadow_win_rate", float("nan"))),
        "pnl": jsonable(m.get("shadow_pnl", Decimal(0))),
        "by_strategy": [
            {k: jsonable(v) for k, v in s.items()} for s in getattr(result, "strategies", [])
        ],
    }


def result_document(
    result: BacktestResult,
    *,
    source: str = "",
    load_s: float | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything about a run, JSON-ready.

    Top-level keys: ``ticks``, ``ticks_rejected``, ``trades``, ``shadow`` (the shadow trades,
    apart from the real ones: count, wins, win rate, P&L, and each strategy's real and shadow
    record), the execution summary (:func:`execution_summary`: ``maker_fills``, ``taker_fills``,
    ``maker_volume``, ``taker_volume``, ``fees``, ``net_pnl``, ``orders`` by final state),
    ``metrics``, ``rejections``, ``elapsed_s`` (engine time), ``ticks_per_s`` (engine
    throughput), ``book`` (None without depth), plus ``source``, ``load_s``,
    ``end_to_end_ticks_per_s`` (load + run), ``stats``, ``open_positions`` and ``config``.
    """
    total_s = result.elapsed_s + (load_s or 0.0)
    return {
        "ticks": result.ticks_processed,
        "ticks_rejected": int(result.stats.get("ticks_rejected", 0)),
        "trades": int(result.metrics["num_trades"]),
        "shadow": shadow_summary(result),
        **execution_summary(result),
        "metrics": jsonable(dict(result.metrics)),
        "rejections": {k: int(v) for k, v in sorted(result.rejections.items())},
        "elapsed_s": result.elapsed_s,
        "ticks_per_s": jsonable(result.ticks_per_s),
        "book": book_stats(result),
        "source": source,
        "load_s": load_s,
        "end_to_end_ticks_per_s": result.ticks_processed / total_s if total_s > 0 else None,
        "stats": {k: int(v) for k, v in result.stats.items()},
        "open_positions": jsonable(result.open_positions),
        "config": jsonable(dict(config)) if config is not None else None,
    }


def _money(value: Any) -> str:
    return f"{Decimal(value):,.2f}"


def _num(value: Any, fmt: str = ",.3f") -> str:
    x = float(value)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    return format(x, fmt)


def metric_rows(result: BacktestResult, load_s: float | None = None) -> list[tuple[str, str]]:
    """(label, formatted value) rows: trades, win rate, P&L, fees, ratios, drawdown, exposure,
    rejections by reason, ticks and throughput."""
    m = result.metrics
    rows = [
        ("trades", f"{int(m['num_trades']):,} ({int(m['wins']):,} won, {int(m['losses']):,} lost)"),
        ("win rate", f"{float(m['win_rate']):.2%}" if not math.isnan(m["win_rate"]) else "n/a"),
        ("gross P&L", _money(m["total_pnl"])),
        ("fees", _money(m["fees"])),
        ("funding", _money(m["funding"])),
        ("net P&L", _money(m["net_pnl"])),
        ("unrealised P&L", _money(m["unrealized_pnl"])),
        ("final equity", f"{_money(m['final_equity'])} (from {_money(m['initial_capital'])})"),
        ("return", f"{float(m['return_pct']):.2f} %"),
        ("profit factor", _num(m["profit_factor"])),
        ("Sharpe (daily, 365)", _num(m["sharpe"])),
        ("Sortino (daily, 365)", _num(m["sortino"])),
        ("max drawdown", f"{float(m['max_drawdown']):.2%}"),
        ("max drawdown duration", f"{float(m['max_drawdown_duration_s']) / 3600:,.1f} h"),
        ("exposure", f"{float(m['exposure']):.2%}"),
    ]
    x = execution_summary(result)
    rows += [
        (
            "fills (maker / taker)",
            f"{x['maker_fills']:,} ({x['maker_volume']}) / {x['taker_fills']:,} ({x['taker_volume']})",
        ),
        ("orders", ", ".join(f"{k} {v:,}" for k, v in x["orders"].items()) or "none"),
    ]
    rows += shadow_rows(result)
    rejections = sorted(result.rejections.items())
    rows += [(f"rejected {k}", f"{v:,}") for k, v in rejections] or [("rejections", "none")]
    rows += [
        ("ticks", f"{result.ticks_processed:,}"),
        ("ticks rejected", f"{int(result.stats.get('ticks_rejected', 0)):,}"),
        ("engine time", f"{result.elapsed_s:,.3f} s"),
        ("ticks/s (engine)", f"{result.ticks_per_s:,.0f}"),
    ]
    if load_s is not None:
        total = result.elapsed_s + load_s
        rows += [
            ("load time", f"{load_s:,.3f} s"),
            ("ticks/s (load + run)", f"{result.ticks_processed / total:,.0f}" if total else "n/a"),
        ]
    book = book_stats(result)
    if book is not None:
        rows += [(f"book {k.replace('_', ' ')}", f"{v:,}") for k, v in book.items()]
    return rows


def shadow_rows(result: BacktestResult) -> list[tuple[str, str]]:
    """The shadow trades, labelled apart from the real ones, and each strategy's record."""
    sh = shadow_summary(result)
    if not sh["trades"] and not sh["by_strategy"]:
        return []
    rate = sh["win_rate"]
    rows = [
        (
            "shadow trades (no capital)",
            f"{sh['trades']:,} ({sh['wins']:,} won"
            + (f", {float(rate):.2%}" if rate is not None else "")
            + f"), P&L {_money(sh['pnl'])} not in equity",
        )
    ]
    for s in sh["by_strategy"]:
        rows.append(
            (
                f"strategy {s['strategy']}",
                f"{int(s['trades']) - int(s['shadow_trades']):,} real + {int(s['shadow_trades']):,}"
                f" shadow trades, Kelly {_num(s['kelly'] if s['kelly'] is not None else 'nan')},"
                f" sized at {float(s['size_fraction']):.2%}",
            )
        )
    return rows
