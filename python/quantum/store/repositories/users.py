"""Users: creation, password checks (argon2id), roles."""

from __future__ import annotations

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.enums import Role
from quantum.store.models import User
from quantum.store.repositories.sessions import delete_user_sessions

__all__ = [
    "authenticate",
    "create_user",
    "delete_user",
    "get_user",
    "list_users",
    "set_active",
    "set_password",
    "set_role",
]

_hasher = PasswordHasher()
_MIN_PASSWORD = 8


def _hash(password: str) -> str:
    if len(password) < _MIN_PASSWORD:
        raise DataError(f"password must be at least {_MIN_PASSWORD} characters")
    return _hasher.hash(password)


def create_user(session: Session, username: str, password: str, role: Role = Role.USER) -> User:
    """Create a user; ``DataError`` if the name is taken or invalid."""
    name = username.strip()
    if not name or len(name) > 64:
        raise DataError("username must be 1 to 64 characters")
    if session.scalars(select(User.id).where(User.username == name)).first() is not None:
        raise DataError(f"username {name!r} is taken")
    user = User(username=name, password_hash=_hash(password), role=Role(role), is_active=True)
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    """The user called ``username``."""
    return session.scalars(select(User).where(User.username == username)).first()


def list_users(session: Session) -> Sequence[User]:
    """All users by name."""
    return session.scalars(select(User).order_by(User.username)).all()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user if the password matches, else None (the hash is upgraded when outdated)."""
    user = get_user(session, username)
    if user is None or not user.is_active:
        # Hash anyway so a missing user costs the same time as a wrong password.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password."""
    user.password_hash = _hash(password)


def set_role(session: Session, user: User, role: Role) -> None:
    """Change a user's role; their sessions end, so the new role applies from the next login."""
    new = Role(role)
    if user.role != new:
        user.role = new
        delete_user_sessions(session, user.id)


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable a user; disabling ends their sessions."""
    user.is_active = active
    if not active:
        delete_user_sessions(session, user.id)


def delete_user(session: Session, user_id: int) -> bool:
    """Delete a user and everything that is theirs (sessions, accounts, trades...); whether found.

    The sessions are deleted explicitly as well as by the foreign key's cascade, so no session
    outlives its user even on a database where cascades were disabled.
    """
    user = session.get(User, user_id)
    if user is None:
        return False
    delete_user_sessions(session, user_id)
    session.delete(user)
    session.flush()
    return True
