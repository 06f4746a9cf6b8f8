"""The built dashboard is served from the same origin; its client-side routes survive a reload."""

from __future__ import annotations

from pathlib import Path

from api.main import create_app
from fastapi.testclient import TestClient

from quantum.config import Settings
from quantum.runtime import ManualFeed


def test_a_reload_of_any_dashboard_page_gets_the_app(tmp_path: Path, template_db: Path) -> None:
    web = tmp_path / "web"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><div id=root></div>")
    (web / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "quantum.db").write_bytes(template_db.read_bytes())
    app = create_app(
        Settings(data_dir=tmp_path, store_writer_process=False),
        feed_factory=lambda: ManualFeed(("BTCUSDT",)),
        web_dir=web,
    )
    with TestClient(app) as c:
        for page in ("/", "/settings", "/risk", "/trades"):
            r = c.get(page)
            assert r.status_code == 200 and "id=root" in r.text, page
        assert c.get("/assets/app.js").text == "console.log(1)"
        # A missing asset and an unknown API path are still 404, not the app.
        assert c.get("/assets/missing.js").status_code == 404
        unknown = c.get("/api/nothing")
        assert unknown.status_code == 404 and unknown.json() == {"detail": "Not Found"}
