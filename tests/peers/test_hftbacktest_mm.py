"""benches/peers/hftbacktest_mm.py on a real capture: hftbacktest (pinned in requirements.lock)
converts it and runs the quoting rule; the JSON it prints must be internally consistent.

The script runs in a subprocess, as a user runs it; the event counts are checked against the
converted file it keeps (read here with plain NumPy).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

SCRIPT = REPO / "benches" / "peers" / "hftbacktest_mm.py"
CAPTURE = "l2_book/binance_usdm_btcusdt_20240718.jsonl.gz"
LOCAL_EVENT = 1 << 30  # hftbacktest's flag for a row the local (strategy) side processes
TRADE_EVENT = 2
QTY = 0.001
MAX_POS = 0.003


@pytest.fixture(scope="module", params=["risk_averse", "prob_log"])
def run(
    request: pytest.FixtureRequest, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], np.ndarray]:
    tmp = tmp_path_factory.mktemp(request.param)
    out, npz = tmp / "result.json", tmp / "events.npz"
    cmd = [
        sys.executable,
        str(SCRIPT),
        "--data",
        str(shared_data / CAPTURE),
        "--queue-model",
        request.param,
        "--qty",
        str(QTY),
        "--max-pos",
        str(MAX_POS),
        "--out",
        str(out),
        "--save-npz",
        str(npz),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == json.loads(out.read_text())
    with np.load(npz) as f:
        return json.loads(out.read_text()), f["data"]


def test_every_market_event_of_the_converted_file_is_processed(
    run: tuple[dict[str, Any], np.ndarray],
) -> None:
    result, data = run
    local = (data["ev"] & LOCAL_EVENT) != 0
    assert result["events"]["market_events"] == int(local.sum())
    assert result["loop"]["feed_messages_processed"] == len(np.unique(data["local_ts"][local]))
    assert result["loop"]["error_code"] == 0
    # Every kept trade print of the capture is one trade event (974 in this file).
    trades = int((local & ((data["ev"] & 0xFF) == TRADE_EVENT)).sum())
    assert trades == result["conversion"]["raw_lines_by_kind"]["trade"] == 974
    assert result["events"]["trade_events"] == trades


def test_the_rule_trades_within_its_cap(run: tuple[dict[str, Any], np.ndarray]) -> None:
    result, _ = run
    fills, orders = result["fills"], result["orders"]
    assert fills["count"] > 0
    assert fills["count"] == fills["maker_count"] + fills["taker_count"]
    assert fills["maker_count"] > 0
    assert math.isclose(
        fills["maker_volume"] + fills["taker_volume"],
        fills["buy_volume"] + fills["sell_volume"],
        abs_tol=1e-9,
    )
    # One-lot quotes fill whole: one fill per filled order, each of QTY.
    assert math.isclose(fills["maker_volume"] + fills["taker_volume"], QTY * fills["count"])
    assert orders["sent"] >= fills["count"] + orders["canceled"]
    assert result["max_abs_position"] <= MAX_POS + 1e-9
    assert abs(result["final_position"]) <= MAX_POS + 1e-9
    assert math.isclose(
        result["final_position"], fills["buy_volume"] - fills["sell_volume"], abs_tol=1e-9
    )
    assert math.isfinite(result["net_pnl"]) and math.isfinite(result["fees_paid"])
    assert result["fees_paid"] > 0  # 2 bps maker, 5 bps taker by default


def test_our_accounting_matches_hftbacktests_own_state(
    run: tuple[dict[str, Any], np.ndarray],
) -> None:
    # With whole fills (one-lot orders, no-partial exchange) hftbacktest's local state books every
    # fill, so the script's per-order reconstruction must agree with it.
    result, _ = run
    state = result["hftbacktest_state"]
    assert state["num_trades"] == result["fills"]["count"]
    assert math.isclose(state["position"], result["final_position"], abs_tol=1e-9)
    assert math.isclose(state["fee"], result["fees_paid"], rel_tol=1e-9)
    assert math.isclose(state["net_pnl"], result["net_pnl"], rel_tol=1e-9, abs_tol=1e-6)
