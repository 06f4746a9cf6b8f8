"""Schemathesis against the real service's OpenAPI schema: no request may cause a server error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Served

pytestmark = pytest.mark.e2e


def test_no_server_errors(served: Served, tmp_path: Path) -> None:
    token = served.login()
    exe = Path(sys.executable).parent / "schemathesis"
    cmd = [str(exe), "run", f"{served.base}/openapi.json"]
    cmd += ["-H", f"Authorization: Bearer {token}", "-c", "not_a_server_error"]
    cmd += ["-n", os.environ.get("QUANTUM_FUZZ_EXAMPLES", "10"), "--seed", "1"]
    # Logging out would end the session that authenticates the rest of the run.
    cmd += ["--exclude-path", "/api/auth/logout"]
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "passed" in run.stdout
