"""Latency percentiles over a sliding window of recent samples."""

from __future__ import annotations

import numpy as np

__all__ = ["LatencyWindow"]


class LatencyWindow:
    """The last ``size`` samples (ns) in a ring; percentiles computed on demand (cheap to add)."""

    def __init__(self, size: int = 8192) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self._buf = np.zeros(size, dtype=np.int64)
        self._n = 0

    def add(self, ns: int) -> None:
        """Record one sample."""
        self._buf[self._n % len(self._buf)] = ns
        self._n += 1

    @property
    def count(self) -> int:
        """Samples recorded since creation."""
        return self._n

    def percentiles(self, *qs: float) -> tuple[float, ...]:
        """The ``qs`` percentiles (0..100) of the window in ns; zeros when empty."""
        filled = min(self._n, len(self._buf))
        if filled == 0:
            return tuple(0.0 for _ in qs)
        values = np.percentile(self._buf[:filled], list(qs))
        return tuple(float(v) for v in values)
