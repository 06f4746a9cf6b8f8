"""Settings from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from quantum.config import Settings, get_settings


def test_settings_read_the_quantum_prefix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUANTUM_DATABASE_URL", "mysql+pymysql://u:p@127.0.0.1:3306/q")
    monkeypatch.setenv("QUANTUM_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("QUANTUM_DATA_DIR", str(tmp_path))
    s = Settings()
    assert s.resolved_database_url() == "mysql+pymysql://u:p@127.0.0.1:3306/q"
    assert s.secret_key is not None and s.secret_key.get_secret_value() == "k" * 40
    assert "k" * 40 not in repr(s)
    assert s.data_dir == tmp_path


def test_secret_key_has_no_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUANTUM_SECRET_KEY", raising=False)
    assert Settings().secret_key is None


def test_get_settings_is_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()
