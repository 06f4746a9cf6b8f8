"""Reconnect policy: exponential backoff with jitter, a cap, and reset on success.

The policy only computes delays; whoever reconnects awaits them through an injected ``sleep``
so tests drive it with a fake clock and never sleep.
"""

from __future__ import annotations

import random
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Backoff", "BackoffConfig", "RandomSource"]


class RandomSource(Protocol):
    """The one method of :class:`random.Random` the policy uses (so tests can pin it)."""

    def random(self) -> float:
        """A float in [0, 1)."""
        ...


class BackoffConfig(BaseModel):
    """Reconnect delays in seconds: ``min(cap, initial * factor**n)``, minus up to ``jitter``
    of itself at random (so many clients dropped together do not reconnect in lockstep)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial: float = Field(default=0.5, gt=0, description="first delay, seconds")
    factor: float = Field(default=2.0, ge=1.0, description="growth per failed attempt")
    cap: float = Field(default=30.0, gt=0, description="largest delay, seconds")
    jitter: float = Field(default=0.5, ge=0.0, le=1.0, description="fraction removed at random")

    @model_validator(mode="after")
    def _cap_not_below_initial(self) -> BackoffConfig:
        if self.cap < self.initial:
            raise ValueError("cap must be >= initial")
        return self


class Backoff:
    """Delays for successive reconnect attempts; :meth:`reset` after a success."""

    def __init__(self, config: BackoffConfig | None = None, rng: RandomSource | None = None):
        self.config = config or BackoffConfig()
        self._rng: RandomSource = rng or random.Random()
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """Failed attempts since the last success."""
        return self._attempt

    def next_delay(self) -> float:
        """The delay before the next attempt, in seconds; counts one more failed attempt."""
        c = self.config
        # Cap the exponent before computing the power so a long outage cannot overflow.
        base = c.cap if self._attempt > 64 else min(c.cap, c.initial * c.factor**self._attempt)
        self._attempt += 1
        return base * (1.0 - c.jitter * self._rng.random())

    def reset(self) -> None:
        """Forget past failures (call once a connection delivered data again)."""
        self._attempt = 0
