"""Stored login sessions: hashed tokens, expiry, logout, and the user changes that end them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quantum.errors import DataError
from quantum.store import Role, Store
from quantum.store.models import User, UserSession
from quantum.store.repositories.sessions import (
    create_session,
    delete_session,
    find_session,
    purge_expired_sessions,
    token_hash,
    touch_session,
)
from quantum.store.repositories.users import delete_user, set_active, set_role

NOW = 1_763_700_000_000_000_000
HOUR = 3600 * 10**9


def _sessions(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(UserSession)) or 0)


def test_a_session_is_found_by_its_token_until_it_expires(
    store: Store, account: tuple[int, int]
) -> None:
    user_id, _ = account
    with store.session() as s:
        create_session(s, "tok-a", user_id, NOW, HOUR)
    with store.session() as s:
        row = s.scalars(select(UserSession)).one()
        assert row.token_hash == token_hash("tok-a") and len(row.token_hash) == 64
        assert (row.created_ts, row.expires_ts, row.last_seen_ts) == (NOW, NOW + HOUR, NOW)
        info = find_session(s, token_hash("tok-a"), NOW + HOUR - 1)
        assert info is not None
        assert (info.user_id, info.username, info.role) == (user_id, "alice", "user")
        assert find_session(s, token_hash("tok-b"), NOW) is None
        touch_session(s, info.token_hash, NOW + 5)
    with store.session() as s:
        assert s.scalars(select(UserSession.last_seen_ts)).one() == NOW + 5
        # At its expiry time the session is gone, and the lookup deletes it.
        assert find_session(s, token_hash("tok-a"), NOW + HOUR) is None
    assert _sessions(store) == 0


def test_logout_and_purge(store: Store, account: tuple[int, int]) -> None:
    user_id, _ = account
    with store.session() as s:
        create_session(s, "short", user_id, NOW, 10)
        create_session(s, "long", user_id, NOW, HOUR)
        create_session(s, "other", user_id, NOW, HOUR)
    with store.session() as s:
        assert delete_session(s, token_hash("other"))
        assert not delete_session(s, token_hash("other"))
        assert purge_expired_sessions(s, NOW + 10) == 1
    with store.session() as s:
        assert s.scalars(select(UserSession.token_hash)).all() == [token_hash("long")]
    with store.session() as s, pytest.raises(DataError):
        create_session(s, "bad", user_id, NOW, 0)


def test_role_change_deactivation_and_deletion_end_sessions(
    store: Store, account: tuple[int, int], password_hash: str
) -> None:
    user_id, _ = account
    with store.session() as s:
        bob = User(username="bob", password_hash=password_hash, role=Role.USER, is_active=True)
        s.add(bob)
        s.flush()
        bob_id = bob.id
        for token, uid in (("a1", user_id), ("a2", user_id), ("b1", bob_id)):
            create_session(s, token, uid, NOW, HOUR)
    with store.session() as s:
        alice = s.get(User, user_id)
        assert alice is not None
        set_role(s, alice, Role.USER)  # unchanged: sessions stay
    assert _sessions(store) == 3
    with store.session() as s:
        alice = s.get(User, user_id)
        assert alice is not None
        set_role(s, alice, Role.ADMIN)
    with store.session() as s:
        assert find_session(s, token_hash("a1"), NOW) is None
        assert find_session(s, token_hash("b1"), NOW) is not None
        create_session(s, "a3", user_id, NOW, HOUR)
    with store.session() as s:
        alice = s.get(User, user_id)
        assert alice is not None
        set_active(s, alice, False)
    with store.session() as s:
        assert find_session(s, token_hash("a3"), NOW) is None
        assert delete_user(s, bob_id) and not delete_user(s, bob_id)
    assert _sessions(store) == 0


def test_deleting_a_user_cascades_to_their_sessions(store: Store, account: tuple[int, int]) -> None:
    """The foreign key alone removes the sessions (a user deleted by plain SQL)."""
    user_id, _ = account
    with store.session() as s:
        create_session(s, "x", user_id, NOW, HOUR)
    with store.session() as s:
        s.execute(User.__table__.delete().where(User.id == user_id))
    assert _sessions(store) == 0
