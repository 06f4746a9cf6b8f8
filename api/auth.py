"""Sessions (opaque random tokens, stored hashed in the store) and the login rate limiter."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

from quantum.store import Store
from quantum.store.repositories.sessions import (
    create_session,
    delete_session,
    delete_user_sessions,
    find_session,
    purge_expired_sessions,
    token_hash,
    touch_session,
)

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


@dataclass(slots=True)
class _Cached:
    user: SessionUser
    expires_ns: int
    checked: float  # time.monotonic() of the last store read


class Sessions:
    """Token → user, with expiry, kept in the store so a restart logs nobody out.

    Only the token's SHA-256 is stored. A small in-process cache answers repeated lookups of a
    token for ``cache_s`` seconds without a query; expiry is checked on every lookup, and a logout
    or role change made through this object drops the cached entry at once. Changes made by
    another process (a CLI deleting a user) are seen within ``cache_s``.
    """

    def __init__(
        self,
        store: Store,
        ttl_s: float = 12 * 3600,
        *,
        cache_s: float = 5.0,
        touch_s: float = 60.0,
        cache_size: int = 4096,
    ) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.cache_s = cache_s
        self.touch_s = touch_s
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # Bumped by every drop: a lookup that raced a drop does not cache what it read.
        self._epoch = 0

    def create(self, user: SessionUser) -> str:
        """A new token for ``user`` (stored hashed; expired sessions are purged on the way)."""
        token = secrets.token_urlsafe(32)
        now = time.time_ns()
        with self.store.session() as session:
            purge_expired_sessions(session, now)
            create_session(session, token, user.id, now, int(self.ttl_s * 1e9))
        return token

    def get(self, token: str | None) -> SessionUser | None:
        """The user of an unexpired session, else None."""
        if not token:
            return None
        digest = token_hash(token)
        now = time.time_ns()
        mono = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
            if hit is not None:
                if now >= hit.expires_ns:
                    del self._cache[digest]
                    hit = None
                elif mono - hit.checked < self.cache_s:
                    self._cache.move_to_end(digest)
                    return hit.user
            epoch = self._epoch
        # A plain connection, not an ORM session: this is the uncached request path.
        with self.store.engine.begin() as conn:
            info = find_session(conn, digest, now)
            if info is not None and now - info.last_seen_ts >= self.touch_s * 1e9:
                touch_session(conn, digest, now)
        with self._lock:
            if info is None:
                self._cache.pop(digest, None)
                return None
            user = SessionUser(info.user_id, info.username, info.role)
            if epoch != self._epoch:
                return user
            self._cache[digest] = _Cached(user, info.expires_ts, mono)
            self._cache.move_to_end(digest)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return user

    def drop(self, token: str | None) -> None:
        """End one session (logout)."""
        if not token:
            return
        digest = token_hash(token)
        with self.store.session() as session:
            delete_session(session, digest)
        with self._lock:
            self._epoch += 1
            self._cache.pop(digest, None)

    def drop_user(self, user_id: int) -> None:
        """End every session of a user (deleted, disabled, or given another role)."""
        with self.store.session() as session:
            delete_user_sessions(session, user_id)
        self.forget_user(user_id)

    def forget_user(self, user_id: int) -> None:
        """Drop a user's cached sessions (after their sessions were deleted in the store)."""
        with self._lock:
            self._epoch += 1
            for digest in [d for d, c in self._cache.items() if c.user.id == user_id]:
                del self._cache[digest]


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
