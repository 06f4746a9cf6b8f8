"""Readers for the recorded native captures in the shared data directory (see SOURCES.md)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from quantum.exchanges.common.convert import seconds_text_to_ns

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """``$QUANTUM_SHARED_DATA`` if set, else ``<repo root>/../shared/data``."""
    env = os.environ.get("QUANTUM_SHARED_DATA")
    return Path(env) if env else REPO_ROOT / ".." / "shared" / "data"


def capture_path(name: str) -> Path:
    return shared_data_dir() / "raw_ws_captures" / name


def _seconds_to_ns(text: str) -> int:
    # Captures write float seconds with up to 7 decimals; keep ns resolution from the text.
    whole, _, frac = text.partition(".")
    return seconds_text_to_ns(f"{whole}.{frac[:9]}") if frac else int(whole) * 1_000_000_000


def cryptofeed_text(name: str) -> Iterator[tuple[int, Any]]:
    """Received messages of a cryptofeed ``*.txt.gz`` capture as ``(ts_recv_ns, json)``.

    Lines starting with the connection URL (connects, sent subscriptions, HTTP bodies) are
    skipped; a received line is ``<seconds>: <raw message>``.
    """
    with gzip.open(capture_path(name), "rt") as fh:
        for line in fh:
            if not line[0].isdigit():
                continue
            ts, _, raw = line.partition(": ")
            yield _seconds_to_ns(ts), orjson.loads(raw)


def cryptofeed_http(name: str) -> Iterator[tuple[str, int, Any]]:
    """``(url, ts_recv_ns, body)`` of a cryptofeed HTTP capture."""
    with gzip.open(capture_path(name), "rt") as fh:
        for line in fh:
            if not line.strip():
                continue
            head, _, raw = line.partition(": ")
            url, _, ts = head.partition(" -> ")
            yield url, _seconds_to_ns(ts), orjson.loads(raw)


def cryptofeed_jsonl(name: str) -> Iterator[tuple[str, int, Any]]:
    """Received WebSocket messages of a cryptofeed format-2 JSONL capture as
    ``(connection, ts_recv_ns, json)``."""
    with gzip.open(capture_path(name), "rb") as fh:
        for line in fh:
            rec = orjson.loads(line)
            if rec["t"] != "recv":
                continue
            yield rec["conn"], round(rec["ts"] * 1e9), orjson.loads(rec["data"])


def hftbacktest_lines(name: str) -> Iterator[tuple[int, bytes]]:
    """``(local_ts, raw_json_bytes)`` of an hftbacktest l2_book capture (ts unit per file)."""
    with gzip.open(shared_data_dir() / "l2_book" / name, "rb") as fh:
        for line in fh:
            ts, _, raw = line.partition(b" ")
            yield int(ts), raw
