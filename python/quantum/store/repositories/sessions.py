"""Login sessions: stored as the SHA-256 of the bearer token, with expiry, so a restart keeps them.

A token is 256 random bits, so a plain (unsalted, fast) SHA-256 is enough to make a leaked table
useless: nobody can find a preimage, and the lookup stays one indexed equality. Times are the
local wall clock in int64 ns since the epoch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.enums import Role
from quantum.store.models import User, UserSession
from quantum.store.repositories._common import as_connection, table

__all__ = [
    "SessionInfo",
    "create_session",
    "delete_session",
    "delete_user_sessions",
    "find_session",
    "purge_expired_sessions",
    "token_hash",
    "touch_session",
]

# Core statements built once: the lookup runs on every uncached request, and skipping the ORM
# makes it about ten times cheaper (~0.2 ms on SQLite).
_SESSIONS = table(UserSession)
_USERS = table(User)
_FIND = (
    select(
        _SESSIONS.c.id,
        _SESSIONS.c.user_id,
        _SESSIONS.c.created_ts,
        _SESSIONS.c.expires_ts,
        _SESSIONS.c.last_seen_ts,
        _USERS.c.username,
        _USERS.c.role,
        _USERS.c.is_active,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.token_hash == bindparam("digest"))
)

Target = Session | Connection


def token_hash(token: str) -> str:
    """Hex SHA-256 of a token (what the store keeps instead of the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A live session joined with its (active) user."""

    token_hash: str
    user_id: int
    username: str
    role: str
    created_ts: int
    expires_ts: int
    last_seen_ts: int


def create_session(target: Target, token: str, user_id: int, now_ns: int, ttl_ns: int) -> None:
    """Store a new session for ``token`` valid until ``now_ns + ttl_ns``."""
    if ttl_ns <= 0:
        raise DataError(f"session lifetime must be positive, got {ttl_ns} ns")
    as_connection(target).execute(
        insert(_SESSIONS).values(
            token_hash=token_hash(token),
            user_id=user_id,
            created_ts=now_ns,
            expires_ts=now_ns + ttl_ns,
            last_seen_ts=now_ns,
        )
    )


def find_session(target: Target, digest: str, now_ns: int) -> SessionInfo | None:
    """The unexpired session with this token hash whose user is still active, else None.

    An expired session is deleted on the way (the caller commits).
    """
    conn = as_connection(target)
    row = conn.execute(_FIND, {"digest": digest}).first()
    if row is None:
        return None
    if row.expires_ts <= now_ns:
        conn.execute(delete(_SESSIONS).where(_SESSIONS.c.id == row.id))
        return None
    if not row.is_active:
        return None
    return SessionInfo(
        token_hash=digest,
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role).value,
        created_ts=row.created_ts,
        expires_ts=row.expires_ts,
        last_seen_ts=row.last_seen_ts,
    )


def touch_session(target: Target, digest: str, now_ns: int) -> None:
    """Record that the session was used at ``now_ns``."""
    as_connection(target).execute(
        update(_SESSIONS).where(_SESSIONS.c.token_hash == digest).values(last_seen_ts=now_ns)
    )


def delete_session(target: Target, digest: str) -> bool:
    """Delete one session (logout); whether it existed."""
    result = as_connection(target).execute(
        delete(_SESSIONS).where(_SESSIONS.c.token_hash == digest)
    )
    return result.rowcount > 0


def delete_user_sessions(target: Target, user_id: int) -> int:
    """Delete every session of a user (role change, deactivation); how many there were."""
    result = as_connection(target).execute(delete(_SESSIONS).where(_SESSIONS.c.user_id == user_id))
    return int(result.rowcount)


def purge_expired_sessions(target: Target, now_ns: int) -> int:
    """Delete the sessions that expired by ``now_ns``; how many."""
    result = as_connection(target).execute(
        delete(_SESSIONS).where(_SESSIONS.c.expires_ts <= now_ns)
    )
    return int(result.rowcount)
