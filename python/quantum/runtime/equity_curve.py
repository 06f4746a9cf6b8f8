"""An account's equity curve kept in memory, thinned progressively so it stays bounded.

The runtime appends one point per status tick (the same ``ts_event`` and value it stores), so
after hours of running the full curve is tens of thousands of points; the dashboard only ever
draws about a thousand. :class:`EquityCurve` holds at most ``2 * capacity`` of them: when full it
drops every other point (never the first nor the newest) and doubles the minimum spacing of the
points it keeps from then on, so the held points stay roughly evenly spread over the whole
history. The newest point is always held, so the curve ends at the current equity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import orjson

from quantum.runtime.accounts import d8

__all__ = ["EquityCurve", "thin_indices"]


def thin_indices(ts: Sequence[int], points: int) -> list[int]:
    """Indices of at most ``points`` of the time-ordered timestamps ``ts``, evenly over time.

    The range ``[ts[0], ts[-1]]`` is cut into at most ``points - 1`` equal time buckets; the
    last point of each non-empty bucket is kept, and the first point. The newest point is
    therefore always kept. The store's bucketed read
    (:func:`quantum.store.repositories.equity.equity_points`) uses the same buckets.
    """
    if points < 2:
        raise ValueError(f"points must be at least 2, got {points}")
    n = len(ts)
    if n <= points:
        return list(range(n))
    t0 = ts[0]
    width = (ts[-1] - t0) // (points - 1) + 1
    out = [0]
    bucket = 0  # index 0's bucket: a later point of it replaces nothing but itself
    for i in range(1, n):
        b = (ts[i] - t0) // width
        if b == bucket and out[-1] != 0:
            out[-1] = i
        elif b == bucket:
            out.append(i)  # bucket 0's last point, kept beside the first
        else:
            out.append(i)
            bucket = b
    return out


class EquityCurve:
    """A bounded, progressively decimated equity curve (see the module's docstring).

    ``capacity`` is the number of points a reader may ask of it: after the first decimation it
    holds between ``capacity + 1`` and ``2 * capacity`` points. ``complete`` stays true while no
    point has been dropped, i.e. while it holds every point it was given.
    """

    __slots__ = ("_encoded", "_eq", "_step", "_text", "_ts", "capacity", "complete", "version")

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 2:
            raise ValueError(f"capacity must be at least 2, got {capacity}")
        self.capacity = capacity
        self.complete = True
        #: Bumped by every change, so a reader may cache what it built from the points.
        self.version = 0
        self._ts: list[int] = []
        self._eq: list[Decimal] = []
        self._text: list[str] = []  # the API's decimal strings, formatted once per point
        self._step = 0  # minimum spacing (ns) of held points before the newest; 0: keep all
        self._encoded: tuple[int, int, bytes] | None = None  # (version, points, JSON)

    def __len__(self) -> int:
        return len(self._ts)

    def seed(self, points: Iterable[tuple[int, Decimal]], *, complete: bool) -> None:
        """Replace the curve by stored ``(ts_event, equity)`` points (time order).

        ``complete`` says whether they are every stored point (rather than a thinned read).
        """
        self._ts, self._eq, self._text = [], [], []
        self._step = 0
        self.complete = True
        for ts, equity in points:
            self.append(ts, equity)
        self.complete = self.complete and complete
        self.version += 1

    def append(self, ts: int, equity: Decimal) -> None:
        """Add the newest point. A point at the newest timestamp replaces it; an older one is
        ignored (the wall clock stepped back: the curve stays in time order)."""
        held = self._ts
        if held and ts <= held[-1]:
            if ts == held[-1]:
                self._eq[-1], self._text[-1] = equity, d8(equity)
                self.version += 1
            return
        text = d8(equity)
        # The newest point is provisional while it is closer than the step to the one before:
        # the next point replaces it, so the spacing of the older points stays even.
        if len(held) >= 2 and held[-1] - held[-2] < self._step:
            held[-1], self._eq[-1], self._text[-1] = ts, equity, text
            self.complete = False
        else:
            held.append(ts)
            self._eq.append(equity)
            self._text.append(text)
            if len(held) > 2 * self.capacity:
                self._decimate()
        self.version += 1

    def _decimate(self) -> None:
        last = len(self._ts) - 1
        keep = [*range(0, last, 2), last]
        self._ts = [self._ts[i] for i in keep]
        self._eq = [self._eq[i] for i in keep]
        self._text = [self._text[i] for i in keep]
        span = self._ts[-1] - self._ts[0]
        self._step = max(2 * self._step, span // self.capacity)
        self.complete = False

    def points(self) -> list[tuple[int, Decimal]]:
        """Every held point, ``(ts_event, equity)``, in time order."""
        return list(zip(self._ts, self._eq, strict=True))

    def thinned(self, points: int) -> list[tuple[int, str]]:
        """At most ``points`` held points as ``(ts_event, equity text)``, evenly over time."""
        ts, text = self._ts, self._text
        return [(ts[i], text[i]) for i in thin_indices(ts, points)]

    def encoded(self, points: int) -> bytes:
        """:meth:`thinned` as the API's JSON, ``[{"ts": int, "equity": str}, ...]``.

        The curve changes once a status interval while dashboards poll it many times a second:
        the body of the last request is kept until the curve or ``points`` changes.
        """
        cached = self._encoded
        if cached is not None and cached[0] == self.version and cached[1] == points:
            return cached[2]
        body = orjson.dumps([{"ts": ts, "equity": text} for ts, text in self.thinned(points)])
        self._encoded = (self.version, points, body)
        return body
