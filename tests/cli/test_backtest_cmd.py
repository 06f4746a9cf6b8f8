"""``quantum backtest``: its options reach the engine, and its JSON, CSV and HTML outputs agree
with the library's result."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result

import quantum
from quantum.data import Recorder, generate, load_binance_klines, load_binance_l2
from quantum.engine import EngineConfig, ExecutionConfig, RiskConfig

Cli = Callable[..., Result]
KLINES = "klines/binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
TOP_LEVEL = {"ticks", "ticks_rejected", "trades", "metrics", "rejections", "elapsed_s",
             "ticks_per_s", "book"}  # fmt: skip


def test_json_of_the_real_klines_matches_the_library(
    quantum_cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "run.json"
    res = quantum_cli("backtest", "--data", str(shared_data / KLINES), "--json", str(out))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert set(doc) >= TOP_LEVEL
    ticks, _ = load_binance_klines(shared_data / KLINES)
    lib = quantum.backtest(ticks)
    assert doc["ticks"] == len(ticks) == 73_139
    assert doc["trades"] == lib.metrics["num_trades"]
    assert Decimal(doc["metrics"]["net_pnl"]) == lib.metrics["net_pnl"]
    assert doc["rejections"] == lib.rejections
    assert doc["book"] is None
    assert doc["ticks_per_s"] > 0 and doc["elapsed_s"] > 0
    for label in ("win rate", "profit factor", "Sharpe", "Sortino", "max drawdown", "exposure",
                  "ticks/s"):  # fmt: skip
        assert label in res.output


def test_options_reach_the_engine_config(quantum_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    res = quantum_cli(
        "backtest", "--synthetic", "30000", "--seed", "5", "--json", str(out),
        "--capital", "50000", "--fee-bps", "2.5", "--latency-ms", "150",
        "--max-drawdown", "0.5", "--max-trades-per-day", "1000", "--max-position", "0.02",
        "--no-order-flow", "--fader-multiple", "2.5", "--set", "risk.kelly_min_trades=100000",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    cfg = doc["config"]
    assert cfg["initial_capital"] == 50_000
    assert cfg["execution"]["taker_fee_bps"] == cfg["execution"]["maker_fee_bps"] == 2.5
    assert cfg["execution"]["latency_ns"] == 150_000_000
    assert cfg["risk"]["max_drawdown"] == 0.5 and cfg["risk"]["max_trades_per_day"] == 1000
    assert cfg["risk"]["max_position_notional"] == 0.02
    assert cfg["order_flow"]["enabled"] is False and cfg["volatility_fader"]["multiple"] == 2.5
    # The same run through the library gives the same numbers.
    expected = EngineConfig(
        initial_capital=50_000,
        execution=ExecutionConfig(taker_fee_bps=2.5, maker_fee_bps=2.5, latency_ns=150_000_000),
        risk=RiskConfig(max_drawdown=0.5, max_trades_per_day=1000, max_position_notional=0.02,
                        kelly_min_trades=100_000),
        order_flow={"enabled": False},  # type: ignore[arg-type]
        volatility_fader={"multiple": 2.5},  # type: ignore[arg-type]
    )  # fmt: skip
    lib = quantum.backtest(generate(30_000, seed=5), expected)
    assert doc["trades"] == lib.metrics["num_trades"] > 10
    assert Decimal(doc["metrics"]["fees"]) == lib.metrics["fees"]
    assert "order_flow" not in set(lib.trades.strategy)


def test_trades_csv_and_html_report(quantum_cli: Cli, tmp_path: Path) -> None:
    csv, html = tmp_path / "t.csv", tmp_path / "r.html"
    res = quantum_cli(
        "backtest", "--synthetic", "50000", "--set", "risk.kelly_min_trades=100000",
        "--max-trades-per-day", "100000", "--trades", str(csv), "--report", str(html),
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    trades = pd.read_csv(csv)
    assert len(trades) > 50
    assert {"side", "entry_time", "exit_time", "entry_price", "exit_price", "pnl", "fees",
            "exit_reason", "strategy"} <= set(trades.columns)  # fmt: skip
    text = html.read_text(encoding="utf-8")
    data = json.loads(
        re.search(r'id="quantum-report-data">(.*?)</script>', text, re.S).group(1)  # type: ignore[union-attr]
    )
    assert data["trades_total"] == len(trades)
    assert sum(map(sum, data["heatmap"]["count"])) == len(trades)
    assert sum(map(sum, data["heatmap"]["pnl"])) == pytest.approx(trades.pnl.sum(), abs=1e-6)
    assert data["equity"]["v"] and data["drawdown_pct"]["v"] and data["price"]["v"]


def test_chunk_size_does_not_change_the_result(quantum_cli: Cli, tmp_path: Path) -> None:
    docs = []
    for chunk in ("1000", "1000000"):
        out = tmp_path / f"{chunk}.json"
        args = ("backtest", "--synthetic", "20000", "--chunk-rows", chunk, "--json", str(out))
        assert quantum_cli(*args).exit_code == 0
        docs.append(json.loads(out.read_text()))
    assert docs[0]["metrics"] == docs[1]["metrics"] and docs[0]["stats"] == docs[1]["stats"]


def test_parquet_from_synth_backtests_like_the_generator(quantum_cli: Cli, tmp_path: Path) -> None:
    pq, from_file, in_memory = tmp_path / "m.parquet", tmp_path / "a.json", tmp_path / "b.json"
    res = quantum_cli("synth", str(pq), "--ticks", "20000", "--seed", "9",
                      "--symbols", "BTCUSDT,ETHUSDT")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert quantum_cli("backtest", "--data", str(pq), "--json", str(from_file)).exit_code == 0
    assert quantum_cli("backtest", "--synthetic", "20000", "--seed", "9",
                       "--symbols", "BTCUSDT,ETHUSDT", "--json", str(in_memory)).exit_code == 0  # fmt: skip
    a, b = json.loads(from_file.read_text()), json.loads(in_memory.read_text())
    assert a["ticks"] == b["ticks"] == 20_000
    assert a["metrics"] == b["metrics"] and a["rejections"] == b["rejections"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data", "/nonexistent/file.csv"), "data file not found"),
        (("--synthetic", "100", "--set", "risk.max_drawdown=3"), "risk.max_drawdown"),
        (("--synthetic", "100", "--set", "risk.nope=1"), "unknown config field 'risk.nope'"),
        (("--synthetic", "100", "--set", "oops"), "KEY=VALUE"),
        (("--synthetic", "0"), "must be positive"),
    ],
)
def test_bad_input_is_a_clear_error(quantum_cli: Cli, args: tuple[str, ...], message: str) -> None:
    res = quantum_cli("backtest", *args)
    assert res.exit_code == 2
    assert message in res.output


def test_unknown_file_kind_is_a_clear_error(quantum_cli: Cli, tmp_path: Path) -> None:
    odd = tmp_path / "prices.txt"
    odd.write_text("1,2,3\n")
    res = quantum_cli("backtest", "--data", str(odd))
    assert res.exit_code == 2 and "cannot tell the kind of prices.txt" in res.output


def test_progress_bars_go_to_stderr(quantum_cli: Cli) -> None:
    res = quantum_cli("backtest", "--synthetic", "30000", "--chunk-rows", "10000", "--progress")
    assert res.exit_code == 0
    assert "loading" in res.stderr and "backtest" in res.stderr and "30000/30000" in res.stderr
    assert "loading" not in res.stdout


def test_websocket_capture_backtests_on_its_order_book(
    quantum_cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    capture = shared_data / "l2_book" / "binance_usdm_btcusdt_20240718.jsonl.gz"
    out = tmp_path / "l2.json"
    res = quantum_cli("backtest", "--data", str(capture), "--json", str(out))
    assert res.exit_code == 0, res.output
    feed, _ = load_binance_l2(capture)
    lib = quantum.backtest(feed)
    doc = json.loads(out.read_text())
    assert doc["ticks"] == len(feed.ticks) > 1_000
    assert doc["depth_messages"] == len(feed.depth) > 0
    # The depth drove the core's book: its counters are in the report, with no gap.
    assert doc["book"]["updates_applied"] > 0 and doc["book"]["gaps_detected"] == 0
    assert doc["rejections"] == lib.rejections
    assert Decimal(doc["metrics"]["net_pnl"]) == lib.metrics["net_pnl"]


def test_recording_directory_backtests_like_its_ticks(quantum_cli: Cli, tmp_path: Path) -> None:
    ticks = generate(15_000, seed=2)
    with Recorder(tmp_path / "rec") as rec:
        rec.append(ticks)
    out = tmp_path / "rec.json"
    res = quantum_cli("backtest", "--data", str(tmp_path / "rec"), "--json", str(out))
    assert res.exit_code == 0, res.output
    doc, lib = json.loads(out.read_text()), quantum.backtest(ticks)
    assert doc["ticks"] == 15_000 and doc["depth_messages"] == 0
    assert Decimal(doc["metrics"]["final_equity"]) == lib.metrics["final_equity"]
    assert doc["trades"] == lib.metrics["num_trades"]


def test_directory_that_is_not_a_recording_is_a_clear_error(
    quantum_cli: Cli, tmp_path: Path
) -> None:
    res = quantum_cli("backtest", "--data", str(tmp_path))
    assert res.exit_code == 2 and "not a recording (no meta.json)" in res.output


def test_funding_history_is_merged_into_tick_data(
    quantum_cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    klines = shared_data / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
    funding = (
        shared_data / "funding_oi" / "binance_usdm_BTCUSDT_funding_rate_8h_20250306-20250624.csv"
    )
    out = tmp_path / "f.json"
    res = quantum_cli(
        "backtest", "--data", str(klines), "--funding", str(funding), "--json", str(out)
    )
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["ticks"] == 73_139
    capture = shared_data / "l2_book" / "binance_usdm_btcusdt_20240718.jsonl.gz"
    refused = quantum_cli("backtest", "--data", str(capture), "--funding", str(funding))
    assert (
        refused.exit_code == 2
        and "--funding applies to tick data" in refused.output + refused.stderr
    )


def test_audit_checks_the_run_and_help_states_the_fill_rules(quantum_cli: Cli) -> None:
    res = quantum_cli("backtest", "--synthetic", "30000", "--audit")
    assert res.exit_code == 0, res.output
    assert "audit: clean" in res.output
    assert "shadow trades (no capital)" in res.output
    help_text = " ".join(quantum_cli("backtest", "--help").output.split())
    assert "fills at the next bar's open" in help_text.replace("bar's open plus", "bar's open")


def test_the_market_maker_on_a_capture_reports_its_executions(
    quantum_cli: Cli, shared_data: Path, tmp_path: Path
) -> None:
    """The names scripts rely on: --strategy market_maker --queue --order-latency-ms
    --feed-latency-ms --json --audit, and the JSON's maker/taker fills and volumes, fees, net P&L and
    orders by final state, consistent with the run's own fills."""
    capture = shared_data / "l2_book" / "binance_usdm_btcusdt_20240808.jsonl.gz"
    docs = {}
    for strategy, queue in (("market_maker", "prob"), ("touch_quoter", "risk_averse")):
        out = tmp_path / f"{strategy}.json"
        res = quantum_cli(
            "backtest", "--data", str(capture), "--strategy", strategy, "--queue", queue,
            "--order-latency-ms", "5", "--feed-latency-ms", "2", "--fees", "binance_usdm",
            "--json", str(out), "--audit",
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        assert "fills (maker / taker)" in res.output
        # The auditor re-derived every fill, and the daily cap (50 round trips) held.
        assert "audit: clean" in res.output
        doc = json.loads(out.read_text())
        docs[strategy] = doc
        cfg = doc["config"]
        assert cfg["market_maker"]["enabled"] and cfg["execution"]["queue"]["model"] == queue
        assert cfg["execution"]["order_latency"]["entry_ns"] == 5_000_000
        assert cfg["execution"]["feed_latency"] == {
            "kind": "constant", "entry_ns": 2_000_000, "response_ns": 0, "samples_ns": [],
            "file": None, "seed": 0,
        }  # fmt: skip
        assert not cfg["order_flow"]["enabled"] and cfg["execution"]["fees"] == "binance_usdm"
        for key in ("maker_fills", "taker_fills", "maker_volume", "taker_volume", "fees",
                    "net_pnl", "orders"):  # fmt: skip
            assert key in doc, key
        assert doc["maker_fills"] > 10, "quoting at the book trades"
        assert sum(doc["orders"].values()) > doc["maker_fills"] + doc["taker_fills"] - 1
        assert Decimal(doc["net_pnl"]) == Decimal(doc["metrics"]["net_pnl"])
        # One lot per quote; a quote can fill in parts.
        assert 0 < Decimal(doc["maker_volume"]) <= doc["maker_fills"] * Decimal("0.001")
        # Fees: 2 bps maker, 5 bps taker, on each fill's notional.
        assert Decimal(doc["fees"]) > 0
    # The Avellaneda–Stoikov quotes are post-only: they never take.
    assert docs["market_maker"]["taker_fills"] == 0
    assert docs["touch_quoter"]["orders"].get("filled", 0) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--strategy", "nope"), "--strategy must be one of builtin, market_maker, touch_quoter"),
        (("--queue", "fifo"), "--queue must be one of risk_averse, prob, none"),
        (("--fees", "kraken"), "--fees must be one of binance_usdm, bybit, okx"),
        (("--order-latency-ms", "-1"), "--order-latency-ms must be >= 0"),
    ],
)
def test_simulator_options_are_checked(
    quantum_cli: Cli, args: tuple[str, ...], message: str
) -> None:
    res = quantum_cli("backtest", "--synthetic", "1000", *args)
    assert res.exit_code == 2
    assert message in res.output
