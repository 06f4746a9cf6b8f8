"""The committed `web/openapi.json` (the dashboard's type source) matches the service's schema."""

from __future__ import annotations

from api.export_openapi import DEFAULT_OUT, render


def test_committed_schema_is_current() -> None:
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(), (
        "web/openapi.json is stale: run `python -m api.export_openapi` and "
        "`cd web && npm run gen:api -- openapi.json`, then fix src/lib/api/types.ts"
    )
