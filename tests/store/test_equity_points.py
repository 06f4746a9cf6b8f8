"""The bucketed equity read: bounded, in time order, exact, the same thinning as the runtime's
in-memory curve, on SQLite and MariaDB."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories import T0

from quantum.runtime.equity_curve import thin_indices
from quantum.store import EquityRecord, Store
from quantum.store.repositories.equity import equity_points, record_equity

SECOND = 1_000_000_000


def _timestamps() -> list[int]:
    """Unevenly spaced points: one a second, a dense burst, a long outage, one a second again."""
    ts = [T0 + i * SECOND for i in range(3000)]
    ts += [ts[-1] + (i + 1) * 1_000 for i in range(500)]  # microseconds apart
    ts += [ts[-1] + 3600 * SECOND + i * SECOND for i in range(1500)]  # after an hour's outage
    return ts


def _equity(i: int) -> Decimal:
    return (Decimal("10000") + Decimal(i) / 3).quantize(Decimal("1e-8"))


@pytest.fixture
def stored(store: Store, account: tuple[int, int]) -> list[tuple[int, Decimal]]:
    user, acct = account
    points = [(ts, _equity(i)) for i, ts in enumerate(_timestamps())]
    records = [
        EquityRecord(
            user_id=user,
            account_id=acct,
            ts_event=ts,
            equity=eq,
            cash=eq,
            unrealized_pnl=Decimal(0),
            peak_equity=eq,
        )
        for ts, eq in points
    ]
    with store.session() as s:
        for start in range(0, len(records), 1000):
            record_equity(s, records[start : start + 1000])
    return points


@pytest.mark.parametrize("points", [2, 3, 250, 1000])
def test_whole_history_is_thinned_like_the_in_memory_curve(
    store: Store, account: tuple[int, int], stored: list[tuple[int, Decimal]], points: int
) -> None:
    user, acct = account
    with store.session() as s:
        got, count = equity_points(s, user, acct, points=points)
    assert count == len(stored)
    assert 2 <= len(got) <= points
    assert got[0] == stored[0] and got[-1] == stored[-1]
    assert [ts for ts, _ in got] == sorted({ts for ts, _ in got})
    # Same buckets as the runtime's thinning, values exactly as stored.
    ts = [t for t, _ in stored]
    assert got == [stored[i] for i in thin_indices(ts, points)]


def test_a_range_is_bounded_and_ends_at_its_newest_point(
    store: Store, account: tuple[int, int], stored: list[tuple[int, Decimal]]
) -> None:
    user, acct = account
    since, until = stored[1000][0], stored[4200][0]
    inside = [p for p in stored if since <= p[0] < until]
    with store.session() as s:
        got, count = equity_points(s, user, acct, points=100, since_ts=since, until_ts=until)
    assert count == len(inside) == 3200
    assert len(got) <= 100
    assert got[0] == inside[0] and got[-1] == inside[-1]
    assert got == [inside[i] for i in thin_indices([t for t, _ in inside], 100)]


def test_fewer_points_than_asked_are_all_returned(
    store: Store, account: tuple[int, int], stored: list[tuple[int, Decimal]]
) -> None:
    user, acct = account
    since = stored[-40][0]
    with store.session() as s:
        got, count = equity_points(s, user, acct, points=40, since_ts=since)
        empty = equity_points(s, user, acct, points=40, since_ts=stored[-1][0] + 1)
    assert count == 40 and got == stored[-40:]
    assert empty == ([], 0)


def test_another_users_account_reads_nothing(
    store: Store, account: tuple[int, int], stored: list[tuple[int, Decimal]]
) -> None:
    user, acct = account
    with store.session() as s:
        assert equity_points(s, user + 1000, acct, points=10) == ([], 0)
        assert equity_points(s, user + 1000, acct, points=10_000) == ([], 0)


def test_fewer_than_two_points_is_an_error(store: Store, account: tuple[int, int]) -> None:
    user, acct = account
    with store.session() as s, pytest.raises(ValueError, match="at least 2"):
        equity_points(s, user, acct, points=1)
