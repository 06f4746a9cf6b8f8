"""The HTML report: self-contained, and its embedded chart data matches the run."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest

import quantum
from quantum.backtest.report import MAX_POINTS, envelope, report_data, write_report
from quantum.data import TickColumns
from quantum.engine import EngineConfig


def embedded(html_text: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="quantum-report-data">(.*?)</script>', html_text, re.S
    )
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


@pytest.fixture(scope="module")
def result(market: TickColumns, busy_config: EngineConfig) -> quantum.BacktestResult:
    return quantum.backtest(market, busy_config)


def test_report_is_self_contained_with_every_chart(
    tmp_path: Path, result: quantum.BacktestResult, market: TickColumns
) -> None:
    path = write_report(tmp_path / "r.html", result, market, source="synthetic")
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "<script src" not in text and "<link" not in text
    for label in ("equity", "drawdown", "price with trades", "P&amp;L heatmap"):
        assert f'aria-label="{label}"' in text
    data = embedded(text)
    assert data["trades_total"] == len(result.trades)
    assert len(data["trades"]) == min(len(result.trades), 1_000)
    assert len(data["equity"]["t"]) <= MAX_POINTS
    # The heatmap holds every closed trade's P&L, by exit weekday and hour.
    heat = np.array(data["heatmap"]["pnl"])
    assert heat.shape == (7, 24)
    assert sum(map(sum, data["heatmap"]["count"])) == len(result.trades)
    assert heat.sum() == pytest.approx(result.trades.pnl.sum(), abs=1e-6)
    # Drawdown is ≤ 0; the curve is sampled (once a minute), so its worst point is at most the
    # engine's tick-level max drawdown, and close to it.
    assert max(data["drawdown_pct"]["v"]) <= 0
    worst = -min(data["drawdown_pct"]["v"]) / 100
    assert worst <= result.metrics["max_drawdown"] * (1 + 1e-9)
    assert worst == pytest.approx(result.metrics["max_drawdown"], rel=1e-2)
    metrics = dict(data["metrics"])
    assert metrics["trades"].startswith(f"{len(result.trades):,} ")


def test_every_chart_is_well_formed_svg(
    tmp_path: Path, result: quantum.BacktestResult, market: TickColumns
) -> None:
    text = write_report(tmp_path / "r.html", result, market).read_text(encoding="utf-8")
    charts = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(charts) == 4
    for chart in charts:
        ElementTree.fromstring(chart)  # raises on any unescaped '&' or '<'


def test_trade_markers_sit_on_the_trades(
    result: quantum.BacktestResult, market: TickColumns
) -> None:
    data = report_data(result, market)
    first, row = data["trades"][0], result.trades.iloc[0]
    assert first["entry_price"] == row.entry_price
    assert first["entry_t"] == row.entry_time.value // 1_000_000
    assert first["side"] in ("LONG", "SHORT")
    assert data["price_symbol"] == "BTCUSDT"
    lo, hi = min(data["price"]["v"]), max(data["price"]["v"])
    assert lo == np.nanmin(market["price"]) and hi == np.nanmax(market["price"])


def test_report_of_a_run_without_trades(tmp_path: Path) -> None:
    quiet = quantum.backtest(
        {"ts_event": np.arange(100, dtype=np.int64) * 10**9, "price": np.full(100, 50.0)}
    )
    text = write_report(tmp_path / "q.html", quiet).read_text(encoding="utf-8")
    data = embedded(text)
    assert data["trades"] == [] and data["price"] is None
    assert "no data" in text  # the price chart says so instead of failing


def test_envelope_keeps_extremes_and_bounds_size() -> None:
    ts = np.arange(100_000, dtype=np.int64)
    values = np.sin(ts / 500.0)
    values[54_321] = 7.0
    t2, v2 = envelope(ts, values, 1_000)
    assert len(v2) == 1_000 and len(t2) == 1_000
    assert v2.max() == 7.0 and v2.min() == values.min()
    assert np.all(np.diff(t2) >= 0)
