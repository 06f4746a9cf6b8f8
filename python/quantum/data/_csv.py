"""CSV helpers shared by the Binance CSV loaders: header detection and a vectorised fast path.

Most exchange CSV chunks are all numbers. Such a chunk is also valid JSON once each line is
wrapped in brackets, so orjson parses it in C, far faster than ``float()`` per field. Any chunk the
fast path does not fully accept (a bad line, an empty field, a wrong field count) falls back to the
per-line parser, which decides what is malformed and reports it with its line number; both paths
give the same values for good lines.
"""

from __future__ import annotations

import math

import numpy as np
import orjson
from numpy.typing import NDArray

__all__ = ["fast_numeric_rows", "parse_header", "parse_numeric_line"]

_NUMERIC_BYTES = b"0123456789.,-+eE \t\r\n"


def parse_header(line: bytes) -> list[str] | None:
    """The lower-cased column names if ``line`` is a header (its first field is not a number)."""
    text = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if not text:
        return None
    fields = [f.strip().strip('"').lower() for f in text.split(",")]
    try:
        float(fields[0])
    except ValueError:
        return fields
    return None


def fast_numeric_rows(lines: list[bytes], ncols: int) -> NDArray[np.float64] | None:
    """Parse an all-numeric chunk into a ``(rows, ncols)`` array, or ``None`` to fall back."""
    if not lines:
        return np.empty((0, ncols), dtype=np.float64)
    blob = b"\n".join(lines)
    if blob.translate(None, _NUMERIC_BYTES):
        return None
    # Every line must hold exactly ncols fields; a flat parse alone would hide 5 + 7 fields.
    commas = ncols - 1
    if not all(line.count(b",") == commas for line in lines):
        return None
    try:
        flat = orjson.loads(b"[" + blob.replace(b"\n", b",") + b"]")
        arr = np.array(flat, dtype=np.float64)
    except (orjson.JSONDecodeError, ValueError, TypeError, OverflowError):
        return None
    if arr.shape != (len(lines) * ncols,):
        return None
    return arr.reshape(len(lines), ncols)


def parse_numeric_line(line: bytes, ncols: int) -> list[float] | str:
    """Parse one all-numeric CSV line: its values, or a message saying why it is malformed."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return "not ASCII text"
    fields = text.strip().split(",")
    if len(fields) != ncols:
        return f"expected {ncols} fields, found {len(fields)}"
    values: list[float] = []
    for i, field in enumerate(fields):
        try:
            value = float(field)
        except ValueError:
            return f"field {i + 1} is not a number: {field[:40]!r}"
        if not math.isfinite(value):
            return f"field {i + 1} is not finite: {field[:40]!r}"
        values.append(value)
    return values
