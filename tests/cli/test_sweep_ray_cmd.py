"""``quantum sweep --ray local``: the CLI's Ray path (skipped where Ray is not installed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result

pytest.importorskip("ray")


@pytest.mark.slow
def test_sweep_on_local_ray_equals_threads(
    quantum_cli: Callable[..., Result], tmp_path: Path
) -> None:
    common = ("--synthetic", "20000", "--grid", "volatility_fader.multiple=1.5,2,3",
              "--rank-by", "num_trades")  # fmt: skip
    on_ray, local = tmp_path / "ray.csv", tmp_path / "local.csv"
    res = quantum_cli("sweep", *common, "--ray", "local", "--out", str(on_ray))
    assert res.exit_code == 0, res.output
    assert "Ray at local" in res.output
    assert quantum_cli("sweep", *common, "--workers", "2", "--out", str(local)).exit_code == 0
    a, b = pd.read_csv(on_ray), pd.read_csv(local)
    pd.testing.assert_frame_equal(a.drop(columns="elapsed_s"), b.drop(columns="elapsed_s"))
