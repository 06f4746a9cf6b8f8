"""Writes the service's OpenAPI schema to a file (default `web/openapi.json`), the source the
dashboard's TypeScript types are generated from (`cd web && npm run gen:api -- openapi.json`).

    python -m api.export_openapi [OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from api.main import create_app

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "web" / "openapi.json"


def schema() -> dict[str, Any]:
    """The schema exactly as `/openapi.json` serves it."""
    return create_app().openapi()


def render() -> str:
    """Stable text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
