"""Trading accounts of users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.enums import AccountMode
from quantum.store.models import Account

__all__ = ["create_account", "get_account", "list_accounts"]


def create_account(session: Session, user_id: int, name: str, mode: AccountMode) -> Account:
    """Create an account for a user; ``DataError`` if the user has one of that name."""
    if not name or len(name) > 64:
        raise DataError("account name must be 1 to 64 characters")
    exists = session.scalars(
        select(Account.id).where(Account.user_id == user_id, Account.name == name)
    ).first()
    if exists is not None:
        raise DataError(f"user {user_id} already has an account {name!r}")
    account = Account(user_id=user_id, name=name, mode=AccountMode(mode))
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, account_id: int) -> Account | None:
    """The account with this id."""
    return session.get(Account, account_id)


def list_accounts(session: Session, user_id: int) -> Sequence[Account]:
    """A user's accounts by id."""
    return session.scalars(
        select(Account).where(Account.user_id == user_id).order_by(Account.id)
    ).all()
