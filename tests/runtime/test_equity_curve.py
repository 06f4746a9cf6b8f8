"""The in-memory equity curve: bounded, evenly spread over time, exact values, first and newest
point always held."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise

import pytest

from quantum.runtime.equity_curve import EquityCurve, thin_indices

T0 = 1_700_000_000_000_000_000
SECOND = 1_000_000_000


def value(i: int) -> Decimal:
    """A distinct exact amount per point (8 decimals, like the runtime's ``q8``)."""
    return (Decimal(100_000) + Decimal(i) / 7).quantize(Decimal("1e-8"))


def gaps(ts: list[int]) -> list[int]:
    return [b - a for a, b in pairwise(ts)]


@pytest.fixture(scope="module")
def long_curve() -> EquityCurve:
    """100,000 points, one a second (about 28 hours of status ticks)."""
    curve = EquityCurve(1000)
    for i in range(100_000):
        curve.append(T0 + i * SECOND, value(i))
    return curve


def test_bounded_after_100k_appends(long_curve: EquityCurve) -> None:
    assert 1000 < len(long_curve) <= 2000
    assert not long_curve.complete


def test_first_and_newest_are_held(long_curve: EquityCurve) -> None:
    held = long_curve.points()
    assert held[0] == (T0, value(0))
    assert held[-1] == (T0 + 99_999 * SECOND, value(99_999))


def test_held_points_are_evenly_spread(long_curve: EquityCurve) -> None:
    ts = [t for t, _ in long_curve.points()]
    assert ts == sorted(set(ts))
    # The newest point may sit close to the one before it (it is provisional); the others not.
    inner = gaps(ts[:-1])
    mean = (ts[-2] - ts[0]) / len(inner)
    assert max(inner) <= 2.5 * mean
    assert min(inner) >= 0.4 * mean


def test_values_are_exactly_the_appended_ones(long_curve: EquityCurve) -> None:
    for ts, equity in long_curve.points():
        i = (ts - T0) // SECOND
        assert (ts - T0) % SECOND == 0
        assert equity == value(i)


def test_thinned_to_fewer_points_keeps_the_ends_and_the_text(long_curve: EquityCurve) -> None:
    for points in (2, 3, 100, 1000):
        out = long_curve.thinned(points)
        assert 2 <= len(out) <= points
        assert out[0] == (T0, "100000.00000000")
        assert out[-1] == (T0 + 99_999 * SECOND, str(value(99_999)))
        if points >= 100:
            ts = [t for t, _ in out]
            assert max(gaps(ts)) <= 3 * (ts[-1] - ts[0]) / (len(ts) - 1)


def test_a_short_curve_is_held_complete() -> None:
    curve = EquityCurve(1000)
    for i in range(1500):
        curve.append(T0 + i * SECOND, value(i))
    assert curve.complete and len(curve) == 1500
    assert curve.thinned(10_000) == [(T0 + i * SECOND, str(value(i))) for i in range(1500)]


def test_same_timestamp_replaces_and_an_older_one_is_ignored() -> None:
    curve = EquityCurve(10)
    curve.append(T0, Decimal("1.00000000"))
    curve.append(T0 + SECOND, Decimal("2.00000000"))
    curve.append(T0 + SECOND, Decimal("3.00000000"))
    curve.append(T0 + SECOND // 2, Decimal("9.00000000"))
    assert curve.points() == [(T0, Decimal("1.00000000")), (T0 + SECOND, Decimal("3.00000000"))]


def test_seed_then_append_continues_the_curve() -> None:
    curve = EquityCurve(100)
    curve.seed([(T0 + i * SECOND, value(i)) for i in range(50)], complete=True)
    curve.append(T0 + 50 * SECOND, value(50))
    assert curve.complete and curve.points() == [(T0 + i * SECOND, value(i)) for i in range(51)]
    curve.seed([(T0, value(0)), (T0 + 60 * SECOND, value(60))], complete=False)
    assert not curve.complete and len(curve) == 2


def test_negative_zero_reads_as_zero() -> None:
    curve = EquityCurve(10)
    curve.append(T0, Decimal("-0E-8"))
    assert curve.thinned(10) == [(T0, "0.00000000")]


@pytest.mark.parametrize("n", [0, 1, 2, 5, 1001, 5000])
@pytest.mark.parametrize("points", [2, 3, 1000])
def test_thin_indices_bound_and_ends(n: int, points: int) -> None:
    # Uneven spacing: bursts and gaps.
    ts = [T0 + (i * i % 97 + i * 1000) * SECOND for i in range(n)]
    kept = thin_indices(ts, points)
    assert len(kept) <= points
    assert kept == sorted(set(kept))
    if n:
        assert kept[0] == 0 and kept[-1] == n - 1
    if n <= points:
        assert kept == list(range(n))


@pytest.mark.parametrize("bad", [0, 1])
def test_too_few_points_is_an_error(bad: int) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        thin_indices([T0, T0 + 1, T0 + 2], bad)
    with pytest.raises(ValueError, match="at least 2"):
        EquityCurve(bad)


def test_encoded_body_follows_the_curve() -> None:
    curve = EquityCurve(10)
    for i in range(30):
        curve.append(T0 + i * SECOND, value(i))
    body = curve.encoded(5)
    assert json.loads(body) == [{"ts": ts, "equity": text} for ts, text in curve.thinned(5)]
    assert curve.encoded(5) is body  # unchanged curve: the same body
    assert len(json.loads(curve.encoded(8))) == len(curve.thinned(8))
    curve.append(T0 + 30 * SECOND, Decimal("1.50000000"))
    assert json.loads(curve.encoded(5))[-1] == {"ts": T0 + 30 * SECOND, "equity": "1.50000000"}
    curve.append(T0 + 30 * SECOND, Decimal("2.00000000"))  # same timestamp, new value
    assert json.loads(curve.encoded(5))[-1]["equity"] == "2.00000000"
