"""Reading text sources in constant memory, and the small inferences loaders share.

Files are opened as gzip when they start with the gzip magic bytes (whatever their name), else as
plain text. A corrupt or truncated compressed stream ends the read: the lines decoded before the
damage are kept and the damage is reported as one malformed line, so a bad file never crashes a run.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from quantum.data.report import LoadReport
from quantum.errors import ConfigError

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "infer_interval_ms",
    "infer_symbol",
    "line_batches",
    "to_ns",
    "to_ns_array",
]

DEFAULT_CHUNK_ROWS = 65_536
"""Rows (or lines) per streamed chunk: big enough for NumPy to amortise, small enough to ignore."""

_GZIP_MAGIC = b"\x1f\x8b"
_BLOCK_BYTES = 1 << 16  # 64 KiB: large enough to amortise, small next to a chunk
_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "USD", "BTC", "ETH", "BNB", "EUR", "TRY")
_INTERVAL_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def open_binary(path: Path) -> io.BufferedIOBase:
    """Open ``path`` for binary reading, through gzip when the content is gzip."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.GzipFile(path, "rb")
    return path.open("rb")


def line_batches(
    path: Path, batch_lines: int, report: LoadReport
) -> Iterator[tuple[int, list[bytes]]]:
    """Yield ``(line_no_of_first_line, lines)`` batches of at most ``batch_lines`` lines.

    Lines come without their end-of-line bytes. The file is read in blocks and split in C, because
    reading a gzip stream line by line costs more than parsing the lines; ``read1`` (one underlying
    read per call) keeps whatever was decoded before a damaged part of a gzip stream.
    """
    if batch_lines <= 0:
        raise ConfigError(f"chunk size must be positive, got {batch_lines}")
    line_no = 1
    pending: list[bytes] = []
    tail = b""
    with open_binary(path) as stream:
        while True:
            try:
                block = stream.read1(_BLOCK_BYTES)
            except (EOFError, OSError, zlib.error) as exc:
                # gzip raises EOFError on truncation, BadGzipFile (an OSError) or zlib.error on
                # corruption; everything decoded before the damage is still good.
                block = b""
                damaged = line_no + len(pending) + (1 if tail else 0)
                report.add_error(damaged, f"corrupt or truncated stream: {exc}")
                tail = b""
            if not block:
                if tail:
                    pending.append(tail.rstrip(b"\r"))
                break
            data = tail + block
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n")
            lines = data.split(b"\n")
            tail = lines.pop()
            pending.extend(lines)
            while len(pending) >= batch_lines:
                yield line_no, pending[:batch_lines]
                del pending[:batch_lines]
                line_no += batch_lines
    if pending:
        yield line_no, pending


def to_ns(value: int) -> int:
    """Epoch time in s, ms, µs or ns → ns, told apart by magnitude.

    Valid for times between 1973 and 2286, which covers every crypto market: seconds are below
    1e11, milliseconds below 1e14, microseconds below 1e17.
    """
    if value >= 100_000_000_000_000_000:
        return value
    if value >= 100_000_000_000_000:
        return value * 1_000
    if value >= 100_000_000_000:
        return value * 1_000_000
    return value * 1_000_000_000


def to_ns_array(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """:func:`to_ns` for an array."""
    scale = np.where(
        values >= 100_000_000_000_000_000,
        1,
        np.where(
            values >= 100_000_000_000_000,
            1_000,
            np.where(values >= 100_000_000_000, 1_000_000, 1_000_000_000),
        ),
    )
    return np.asarray(values * scale, dtype=np.int64)


def infer_symbol(path: Path) -> str | None:
    """A symbol named in a file name, e.g. ``BTCUSDT`` in ``binance_usdm_BTCUSDT_1m_x.csv.gz``."""
    for token in re.split(r"[_\-. /]", path.name):
        upper = token.upper()
        quoted = any(upper.endswith(q) and len(upper) > len(q) + 1 for q in _QUOTES)
        perp = upper.endswith("PERP") and len(upper) > 4
        if (quoted or perp) and upper.isalnum():
            return upper
    return None


def infer_interval_ms(path: Path) -> int | None:
    """A bar interval named in a file name (``1m``, ``8h``, ``1d`` …) in milliseconds."""
    for token in re.split(r"[_\-. /]", path.name):
        match = re.fullmatch(r"(\d+)([smhdw])", token)
        if match:
            return int(match.group(1)) * _INTERVAL_MS[match.group(2)]
    return None
