"""Sessions (opaque random tokens, held in memory) and the login rate limiter."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["COOKIE", "LoginLimiter", "SessionUser", "Sessions"]

COOKIE = "quantum_session"


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a session belongs to."""

    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Sessions:
    """Token → user, with expiry. A restart logs everyone out (tokens are never persisted)."""

    def __init__(self, ttl_s: float = 12 * 3600) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[SessionUser, float]] = {}

    def create(self, user: SessionUser) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (user, time.monotonic() + self.ttl_s)
        return token

    def get(self, token: str | None) -> SessionUser | None:
        if not token:
            return None
        with self._lock:
            found = self._tokens.get(token)
            if found is None:
                return None
            user, expires = found
            if time.monotonic() > expires:
                del self._tokens[token]
                return None
            return user

    def drop(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._tokens.pop(token, None)


class LoginLimiter:
    """At most ``limit`` failed logins per ``window_s`` per (username, client address)."""

    def __init__(self, limit: int = 5, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._lock = threading.Lock()
        self._fails: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked(self, username: str, client: str) -> bool:
        with self._lock:
            return len(self._recent((username, client), time.monotonic())) >= self.limit

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent((username, client), now).append(now)

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._fails.pop((username, client), None)
