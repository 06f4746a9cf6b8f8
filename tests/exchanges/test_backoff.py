"""Reconnect policy: exponential growth, cap, jitter bounds and reset, on a pinned RNG."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from quantum.exchanges.common.backoff import Backoff, BackoffConfig


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_exponential_until_cap_without_jitter() -> None:
    b = Backoff(BackoffConfig(initial=0.5, factor=2.0, cap=5.0, jitter=0.0), FixedRandom(0.9))
    assert [b.next_delay() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert b.attempt == 7


def test_reset_after_success_starts_over() -> None:
    b = Backoff(BackoffConfig(initial=1.0, cap=60.0, jitter=0.0), FixedRandom(0.0))
    for _ in range(4):
        b.next_delay()
    b.reset()
    assert b.attempt == 0 and b.next_delay() == 1.0


def test_jitter_removes_at_most_its_fraction() -> None:
    cfg = BackoffConfig(initial=2.0, factor=2.0, cap=100.0, jitter=0.5)
    assert Backoff(cfg, FixedRandom(0.0)).next_delay() == 2.0  # no reduction
    assert Backoff(cfg, FixedRandom(0.999999)).next_delay() == pytest.approx(1.000001)
    rng = random.Random(7)
    b = Backoff(cfg, rng)
    for n in range(30):
        full = min(100.0, 2.0 * 2.0**n)
        d = b.next_delay()
        assert full * 0.5 <= d <= full
    # Two clients with different seeds do not reconnect in lockstep.
    a, c = Backoff(cfg, random.Random(1)), Backoff(cfg, random.Random(2))
    assert [a.next_delay() for _ in range(5)] != [c.next_delay() for _ in range(5)]


def test_long_outage_stays_at_cap() -> None:
    b = Backoff(BackoffConfig(initial=0.1, factor=10.0, cap=30.0, jitter=0.0), FixedRandom(0.0))
    delays = [b.next_delay() for _ in range(500)]
    assert max(delays) == 30.0 and delays[-1] == 30.0


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"factor": 0.5}, {"jitter": 1.5}, {"initial": 5, "cap": 1}, {"bogus": 1}],
)
def test_invalid_config_is_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        BackoffConfig(**kwargs)
