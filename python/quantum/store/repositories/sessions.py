"""Login sessions: stored as the SHA-256 of the bearer token, with expiry, so a restart keeps them.

A token is 256 random bits, so a plain (unsalted, fast) SHA-256 is enough to make a leaked table
useless: nobody can find a preimage, and the lookup stays one indexed equality. Times are the
local wall clock in int64 ns since the epoch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.models import User, UserSession

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


def create_session(session: Session, token: str, user_id: int, now_ns: int, ttl_ns: int) -> None:
    """Store a new session for ``token`` valid until ``now_ns + ttl_ns``."""
    if ttl_ns <= 0:
        raise DataError(f"session lifetime must be positive, got {ttl_ns} ns")
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_ts=now_ns,
            expires_ts=now_ns + ttl_ns,
            last_seen_ts=now_ns,
        )
    )
    session.flush()


def find_session(session: Session, digest: str, now_ns: int) -> SessionInfo | None:
    """The unexpired session with this token hash whose user is still active, else None.

    An expired session is deleted on the way (the caller commits).
    """
    row = session.execute(
        select(UserSession, User.username, User.role, User.is_active)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == digest)
    ).first()
    if row is None:
        return None
    found, username, role, active = row
    if found.expires_ts <= now_ns:
        session.execute(delete(UserSession).where(UserSession.id == found.id))
        return None
    if not active:
        return None
    return SessionInfo(
        token_hash=digest,
        user_id=found.user_id,
        username=username,
        role=str(role),
        created_ts=found.created_ts,
        expires_ts=found.expires_ts,
        last_seen_ts=found.last_seen_ts,
    )


def touch_session(session: Session, digest: str, now_ns: int) -> None:
    """Record that the session was used at ``now_ns``."""
    session.execute(
        update(UserSession).where(UserSession.token_hash == digest).values(last_seen_ts=now_ns)
    )


def delete_session(session: Session, digest: str) -> bool:
    """Delete one session (logout); whether it existed."""
    result = session.execute(delete(UserSession).where(UserSession.token_hash == digest))
    return bool(getattr(result, "rowcount", 0))


def delete_user_sessions(session: Session, user_id: int) -> int:
    """Delete every session of a user (role change, deactivation); how many there were."""
    result = session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0))


def purge_expired_sessions(session: Session, now_ns: int) -> int:
    """Delete the sessions that expired by ``now_ns``; how many."""
    result = session.execute(delete(UserSession).where(UserSession.expires_ts <= now_ns))
    return int(getattr(result, "rowcount", 0))
