"""``quantum user add`` (via the sub-app the main CLI mounts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from quantum.runtime.cli import app
from quantum.store import open_store
from quantum.store.repositories.users import authenticate


def test_user_add_admin_then_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUANTUM_NEW_PASSWORD", "first-admin-pw")
    monkeypatch.delenv("QUANTUM_DATABASE_URL", raising=False)
    runner = CliRunner()
    r = runner.invoke(app, ["user", "add", "root", "--admin", "--data-dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "created admin 'root'" in r.output and "first-admin-pw" not in r.output
    store = open_store(f"sqlite:///{(tmp_path / 'quantum.db').resolve()}")
    with store.session() as s:
        user = authenticate(s, "root", "first-admin-pw")
        assert user is not None and user.role == "admin"
    store.dispose()
    again = runner.invoke(app, ["user", "add", "root", "--data-dir", str(tmp_path)])
    assert again.exit_code == 1 and "taken" in again.output
