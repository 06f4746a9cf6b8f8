"""End-to-end ticks/s of ``quantum backtest`` (load + run + report), as a user runs it.

Each test invokes the real command in-process (typer's runner: the interpreter start-up and
imports are excluded, everything the command does is included) and prints ticks / wall time.
Run: ``pytest benches/bench_cli.py -s``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quantum.cli import app


def _data_dir() -> Path:
    env = os.environ.get("QUANTUM_SHARED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"shared data not found at {path}; set QUANTUM_SHARED_DATA")
    return path


def _bench_cli(benchmark: Any, tmp_path: Path, what: str, args: list[str], rounds: int) -> None:
    out = tmp_path / "run.json"
    runner = CliRunner()

    def once() -> None:
        res = runner.invoke(app, ["backtest", "--no-progress", "--json", str(out), *args])
        assert res.exit_code == 0, res.output

    benchmark.pedantic(once, rounds=rounds, iterations=1)
    doc = json.loads(out.read_text())
    median = benchmark.stats.stats.median
    ticks = doc["ticks"]
    benchmark.extra_info["ticks_per_s"] = round(ticks / median)
    print(
        f"\nquantum backtest, {what}: {ticks:,} ticks in {median:.3f} s end to end (median) = "
        f"{ticks / median:,.0f} ticks/s (load {doc['load_s']:.3f} s, engine "
        f"{doc['elapsed_s']:.3f} s = {doc['ticks_per_s']:,.0f} ticks/s; {doc['trades']} trades)"
    )


def test_cli_real_klines_73k(benchmark: Any, tmp_path: Path) -> None:
    path = _data_dir() / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
    _bench_cli(benchmark, tmp_path, "real BTCUSDT 1m bars", ["--data", str(path)], rounds=7)


def test_cli_synthetic_10m(benchmark: Any, tmp_path: Path) -> None:
    _bench_cli(
        benchmark, tmp_path, "10 M synthetic ticks", ["--synthetic", "10000000", "--seed", "7"], 2
    )
