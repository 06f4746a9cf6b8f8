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


@pytest.fixture
def served_feed(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """What ``serve`` would run, without listening: the app's feed factory is captured."""
    import api.main
    import uvicorn

    got: dict[str, object] = {}

    def create_app(settings: object, *, feed_factory: object) -> object:
        got["feed_factory"] = feed_factory
        return object()

    monkeypatch.setattr(api.main, "create_app", create_app)
    # ``serve`` runs a ``uvicorn.Server``: a run that "started" and returned at once.
    monkeypatch.setattr(
        uvicorn.Server, "run", lambda self, *_a, **_k: setattr(self, "started", True)
    )
    monkeypatch.delenv("QUANTUM_DATABASE_URL", raising=False)
    return got


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ([], "recorded Binance USD-M"),
        (["--feed", "recording"], "recorded Binance USD-M"),
        (["--feed", "synthetic", "--ticks-per-s", "20"], "synthetic (seed 7, 20 ticks/s)"),
    ],
)
def test_serve_feed_option(
    served_feed: dict[str, object], tmp_path: Path, args: list[str], name: str
) -> None:
    r = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), *args])
    assert r.exit_code == 0, r.output
    feed = served_feed["feed_factory"]()  # type: ignore[operator]
    assert feed.name.startswith(name)


def test_serve_replays_a_given_recording(served_feed: dict[str, object], tmp_path: Path) -> None:
    from quantum.data import Recorder, generate

    with Recorder(tmp_path / "rec") as recorder:
        recorder.append(generate(100, seed=1, symbols=("SOLUSDT",)))
    r = CliRunner().invoke(
        app, ["serve", "--data-dir", str(tmp_path), "--recording", str(tmp_path / "rec")]
    )
    assert r.exit_code == 0, r.output
    feed = served_feed["feed_factory"]()  # type: ignore[operator]
    assert feed.name == "replay of rec" and feed.symbols == ("SOLUSDT",)
    bad = CliRunner().invoke(
        app, ["serve", "--feed", "synthetic", "--recording", str(tmp_path / "rec")]
    )
    assert bad.exit_code == 2 and "--feed recording" in bad.output
