"""A self-contained HTML report of a backtest: metrics, equity, drawdown, trades on price and the
P&L heatmap by hour × weekday.

Charts are inline SVG drawn here (no JavaScript, no CDN), so the file works offline. The data
behind every chart is also embedded as JSON (``<script type="application/json"
id="quantum-report-data">``) for anyone who wants to re-plot it. Long series are reduced to a
min/max envelope per pixel column, which keeps every spike visible at a fraction of the size.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from quantum.backtest._report_template import PAGE
from quantum.backtest.runner import BacktestResult
from quantum.backtest.summary import metric_rows

__all__ = ["MAX_MARKERS", "MAX_POINTS", "render_report", "report_data", "write_report"]

MAX_POINTS: Final[int] = 1_600
"""Points per line chart after the min/max reduction (two per pixel column of a 800 px plot)."""
MAX_MARKERS: Final[int] = 1_000
"""Trades drawn on the price chart; above this, an evenly spaced subset (the caption says so)."""

WEEKDAYS: Final[tuple[str, ...]] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_W, _H = 960, 260
_L, _R, _T, _B = 72, 16, 12, 28
_UP, _DOWN, _LINE = "#1a9850", "#d73027", "#2c5aa0"


def envelope(
    ts: NDArray[np.int64], values: NDArray[np.float64], max_points: int = MAX_POINTS
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """At most ``max_points`` points: per bucket its minimum then its maximum, at the bucket's
    middle time. Drawn as a line this is the series' exact envelope at chart resolution."""
    n = len(values)
    if n <= max_points:
        return ts, values
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    starts = edges[:-1]
    lo = np.minimum.reduceat(values, starts)
    hi = np.maximum.reduceat(values, starts)
    mid = ts[(starts + edges[1:] - 1) // 2]
    return np.repeat(mid, 2), np.column_stack([lo, hi]).reshape(-1)


def _price_series(ticks: Any) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """Times and prices of symbol 0: the trade price, else the close, else the quote mid."""
    if ticks is None:
        return None
    cols: Mapping[str, NDArray[Any]] = getattr(ticks, "columns", ticks)
    ts = np.asarray(cols["ts_event"], dtype=np.int64)
    price: NDArray[np.float64] | None = None
    for name in ("price", "close"):
        if name in cols:
            price = np.asarray(cols[name], dtype=np.float64)
            break
    if price is None and "bid" in cols and "ask" in cols:
        price = (np.asarray(cols["bid"], np.float64) + np.asarray(cols["ask"], np.float64)) / 2
    if price is None:
        return None
    keep = np.isfinite(price)
    if "symbol" in cols:
        keep &= np.asarray(cols["symbol"]) == 0
    return ts[keep], price[keep]


def report_data(result: BacktestResult, ticks: Any = None) -> dict[str, Any]:
    """The numbers behind every chart (times in ms since the epoch, UTC), JSON-ready."""
    eq_ts = pd.DatetimeIndex(result.equity["time"]).as_unit("ns").asi8
    eq = result.equity["equity"].to_numpy(dtype=np.float64)
    peak = np.maximum.accumulate(eq) if len(eq) else eq
    dd = np.where(peak > 0, (eq / np.where(peak > 0, peak, 1.0) - 1.0) * 100.0, 0.0)
    e_ts, e_v = envelope(eq_ts, eq)
    d_ts, d_v = envelope(eq_ts, dd)
    data: dict[str, Any] = {
        "metrics": [list(row) for row in metric_rows(result)],
        "equity": {"t": (e_ts // 1_000_000).tolist(), "v": e_v.tolist()},
        "drawdown_pct": {"t": (d_ts // 1_000_000).tolist(), "v": d_v.tolist()},
        "price": None,
        "price_symbol": None,
        "trades": [],
        "trades_total": len(result.trades),
        "heatmap": _heatmap(result),
    }
    series = _price_series(ticks)
    trades = result.trades
    if series is not None and len(series[0]):
        p_ts, p_v = envelope(*series)
        data["price"] = {"t": (p_ts // 1_000_000).tolist(), "v": p_v.tolist()}
        names = getattr(ticks, "symbol_names", ())
        symbol = names[0] if names else None
        data["price_symbol"] = symbol
        if symbol is not None and len(trades):
            trades = trades[trades["symbol"] == symbol]
    if len(trades) > MAX_MARKERS:
        trades = trades.iloc[np.linspace(0, len(trades) - 1, MAX_MARKERS).astype(np.int64)]
    entry_ms = pd.DatetimeIndex(trades["entry_time"]).as_unit("ns").asi8 // 1_000_000
    exit_ms = pd.DatetimeIndex(trades["exit_time"]).as_unit("ns").asi8 // 1_000_000
    data["trades"] = [
        {
            "side": str(side),
            "entry_t": int(et),
            "entry_price": float(ep),
            "exit_t": int(xt),
            "exit_price": float(xp),
            "pnl": float(pnl),
            "exit_reason": str(reason),
            "strategy": str(strategy),
        }
        for side, et, ep, xt, xp, pnl, reason, strategy in zip(
            trades["side"].tolist(),
            entry_ms.tolist(),
            trades["entry_price"].tolist(),
            exit_ms.tolist(),
            trades["exit_price"].tolist(),
            trades["pnl"].tolist(),
            trades["exit_reason"].tolist(),
            trades["strategy"].tolist(),
            strict=True,
        )
    ]
    return data


def _heatmap(result: BacktestResult) -> dict[str, Any]:
    pnl = np.zeros((7, 24))
    count = np.zeros((7, 24), dtype=np.int64)
    t = result.trades
    if len(t):
        exits = t["exit_time"].dt
        day = exits.day_of_week.to_numpy()
        hour = exits.hour.to_numpy()
        np.add.at(pnl, (day, hour), t["pnl"].to_numpy(dtype=np.float64))
        np.add.at(count, (day, hour), 1)
    return {
        "weekdays": list(WEEKDAYS),
        "hours": list(range(24)),
        "pnl": np.round(pnl, 8).tolist(),
        "count": count.tolist(),
    }


# ---- SVG -------------------------------------------------------------------------------------


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step) + 1)]


def _fmt_value(v: float) -> str:
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:,.1f}"
    return f"{v:,.3g}"


def _fmt_time(ms: float, span_ms: float) -> str:
    d = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return d.strftime("%m-%d %H:%M" if span_ms < 3 * 86_400_000 else "%Y-%m-%d")


class _Frame:
    """Maps data to pixels and draws the axes of one time chart."""

    def __init__(self, t0: float, t1: float, y0: float, y1: float) -> None:
        if t1 <= t0:
            t1 = t0 + 1
        if y1 <= y0:
            pad = abs(y0) * 0.01 or 1.0
            y0, y1 = y0 - pad, y1 + pad
        self.t0, self.t1, self.y0, self.y1 = t0, t1, y0, y1

    def x(self, t: float) -> float:
        return _L + (t - self.t0) / (self.t1 - self.t0) * (_W - _L - _R)

    def y(self, v: float) -> float:
        return _H - _B - (v - self.y0) / (self.y1 - self.y0) * (_H - _T - _B)

    def axes(self, y_fmt: Callable[[float], str] = _fmt_value) -> str:
        out = ['<g class="grid">']
        for v in _nice_ticks(self.y0, self.y1):
            y = self.y(v)
            out.append(f'<line x1="{_L}" x2="{_W - _R}" y1="{y:.1f}" y2="{y:.1f}"/>')
            out.append(f'<text x="{_L - 6}" y="{y + 4:.1f}" text-anchor="end">{y_fmt(v)}</text>')
        span = self.t1 - self.t0
        for i in range(6):
            t = self.t0 + span * i / 5
            x = self.x(t)
            anchor = "start" if i == 0 else "end" if i == 5 else "middle"
            out.append(
                f'<text x="{x:.1f}" y="{_H - 8}" text-anchor="{anchor}">{_fmt_time(t, span)}</text>'
            )
        out.append("</g>")
        return "".join(out)


def _svg(body: str, label: str) -> str:
    return (
        f'<svg viewBox="0 0 {_W} {_H}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{html.escape(label)}">{body}</svg>'
    )


def _empty(label: str) -> str:
    return _svg(f'<text x="{_W / 2}" y="{_H / 2}" text-anchor="middle">no data</text>', label)


def _path(frame: _Frame, ts: Sequence[float], vs: Sequence[float]) -> str:
    return "M" + "L".join(f"{frame.x(t):.1f},{frame.y(v):.2f}" for t, v in zip(ts, vs, strict=True))


def line_svg(
    series: Mapping[str, Sequence[float]],
    label: str,
    *,
    color: str = _LINE,
    area: bool = False,
    y_fmt: Callable[[float], str] = _fmt_value,
) -> str:
    """A time line chart of ``{"t": ms, "v": values}``; ``area`` fills down to zero."""
    ts, vs = list(series["t"]), list(series["v"])
    if not ts:
        return _empty(label)
    lo, hi = min(vs), max(vs)
    if area:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    frame = _Frame(ts[0], ts[-1], lo, hi)
    d = _path(frame, ts, vs)
    body = frame.axes(y_fmt)
    if area:
        zero = frame.y(0.0)
        fill = f"{d}L{frame.x(ts[-1]):.1f},{zero:.1f}L{frame.x(ts[0]):.1f},{zero:.1f}Z"
        body += f'<path d="{fill}" fill="{color}" fill-opacity="0.25" stroke="none"/>'
    body += f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.2"/>'
    return _svg(body, label)


def price_svg(
    price: Mapping[str, Sequence[float]] | None, trades: Sequence[Mapping[str, Any]]
) -> str:
    """Price with entries (▲ long, ▼ short) and exits (● green win, red loss)."""
    if not price or not price["t"]:
        return _empty("price")
    ts, vs = list(price["t"]), list(price["v"])
    lo = min([*vs, *(tr["entry_price"] for tr in trades), *(tr["exit_price"] for tr in trades)])
    hi = max([*vs, *(tr["entry_price"] for tr in trades), *(tr["exit_price"] for tr in trades)])
    frame = _Frame(ts[0], ts[-1], lo, hi)
    body = frame.axes()
    body += f'<path d="{_path(frame, ts, vs)}" fill="none" stroke="#8a94a6" stroke-width="1"/>'
    marks: list[str] = []
    for tr in trades:
        x, y = frame.x(tr["entry_t"]), frame.y(tr["entry_price"])
        long = tr["side"] == "LONG"
        tri = (
            f"{x:.1f},{y - 5:.1f} {x - 4:.1f},{y + 3:.1f} {x + 4:.1f},{y + 3:.1f}"
            if long
            else f"{x:.1f},{y + 5:.1f} {x - 4:.1f},{y - 3:.1f} {x + 4:.1f},{y - 3:.1f}"
        )
        tip = html.escape(
            f"{tr['side']} entry {tr['entry_price']:,.2f} ({tr['strategy']}); exit "
            f"{tr['exit_price']:,.2f} ({tr['exit_reason']}), P&L {tr['pnl']:,.2f}"
        )
        marks.append(
            f'<polygon points="{tri}" fill="{_UP if long else _DOWN}"><title>{tip}</title></polygon>'
        )
        ex, ey = frame.x(tr["exit_t"]), frame.y(tr["exit_price"])
        color = _UP if tr["pnl"] > 0 else _DOWN
        marks.append(
            f'<circle cx="{ex:.1f}" cy="{ey:.1f}" r="2.5" fill="none" stroke="{color}">'
            f"<title>{tip}</title></circle>"
        )
    return _svg(body + "".join(marks), "price with trades")


def heatmap_svg(heat: Mapping[str, Any]) -> str:
    """7 × 24 cells of net P&L: green profit, red loss, intensity by size."""
    pnl, count = heat["pnl"], heat["count"]
    extent = max((abs(v) for row in pnl for v in row), default=0.0) or 1.0
    cw, ch, left, top = 36, 26, 44, 20
    out = []
    for h in range(24):
        out.append(
            f'<text x="{left + h * cw + cw / 2}" y="{top - 6}" text-anchor="middle">{h:02d}</text>'
        )
    for d, day in enumerate(heat["weekdays"]):
        y = top + d * ch
        out.append(f'<text x="{left - 8}" y="{y + ch / 2 + 4}" text-anchor="end">{day}</text>')
        for h in range(24):
            v, n = pnl[d][h], count[d][h]
            color = _UP if v > 0 else _DOWN
            alpha = 0.0 if n == 0 else 0.12 + 0.88 * min(abs(v) / extent, 1.0)
            tip = html.escape(
                f"{day} {h:02d}:00 UTC: P&L {v:,.2f} over {n} trade{'s' if n != 1 else ''}"
            )
            out.append(
                f'<rect x="{left + h * cw + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" '
                f'fill="{color}" fill-opacity="{alpha:.3f}" stroke="#e3e6ec">'
                f"<title>{tip}</title></rect>"
            )
    width, height = left + 24 * cw + 8, top + 7 * ch + 8
    return (
        f'<svg viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="P&amp;L heatmap">{"".join(out)}</svg>'
    )


def render_report(
    result: BacktestResult,
    ticks: Any = None,
    *,
    title: str = "Quantum HFT backtest",
    source: str = "",
) -> str:
    """The report as one HTML string. ``ticks`` (the backtested data) gives the price chart."""
    from quantum import DISCLAIMER

    data = report_data(result, ticks)
    rows = "\n".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in data["metrics"]
    )
    shown, total = len(data["trades"]), data["trades_total"]
    caption = "Price"
    if data["price_symbol"]:
        caption += f" of {data['price_symbol']}"
    caption += " with entries (▲ long, ▼ short) and exits (○ green win, red loss)"
    if shown < total:
        caption += f"; {shown:,} of {total:,} trades shown, evenly spaced"
    # "</" would end the script element early; JSON allows "<\/" for "</".
    data_json = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return PAGE.substitute(
        title=html.escape(title),
        subtitle=html.escape(
            f"{source} · generated {datetime.now(tz=UTC).strftime('%Y-%m-%d %H:%M UTC')}"
        ),
        disclaimer=html.escape(DISCLAIMER),
        metrics_rows=rows,
        equity_svg=line_svg(data["equity"], "equity"),
        drawdown_svg=line_svg(
            data["drawdown_pct"], "drawdown", color=_DOWN, area=True, y_fmt=lambda v: f"{v:.1f} %"
        ),
        price_svg=price_svg(data["price"], data["trades"]),
        price_caption=html.escape(caption),
        heatmap_svg=heatmap_svg(data["heatmap"]),
        data_json=data_json,
    )


def write_report(
    path: str | Path,
    result: BacktestResult,
    ticks: Any = None,
    *,
    title: str = "Quantum HFT backtest",
    source: str = "",
) -> Path:
    """Writes :func:`render_report` to ``path`` (UTF-8) and returns the path."""
    out = Path(path)
    out.write_text(render_report(result, ticks, title=title, source=source), encoding="utf-8")
    return out
