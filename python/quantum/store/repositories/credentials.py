"""Exchange credentials: stored encrypted, listed masked, decrypted only for the live broker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.crypto import CredentialCipher, mask_hint
from quantum.store.models import ExchangeCredential

__all__ = [
    "CredentialInfo",
    "ExchangeSecrets",
    "delete_credentials",
    "list_credentials",
    "load_exchange_secrets",
    "store_credentials",
]


@dataclass(frozen=True, slots=True)
class CredentialInfo:
    """What any read path may show about a stored credential: never the key or secret."""

    id: int
    exchange_id: str
    label: str
    key_hint: str
    has_passphrase: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ExchangeSecrets:
    """Decrypted credentials for placing orders; the values print as ``**********``."""

    exchange_id: str
    api_key: SecretStr
    api_secret: SecretStr
    passphrase: SecretStr | None


def _context(user_id: int, exchange_id: str, label: str, field: str) -> bytes:
    return f"{user_id}\x1f{exchange_id}\x1f{label}\x1f{field}".encode()


def _info(row: ExchangeCredential) -> CredentialInfo:
    return CredentialInfo(
        id=row.id,
        exchange_id=row.exchange_id,
        label=row.label,
        key_hint=row.key_hint,
        has_passphrase=row.passphrase_enc is not None,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _plain(value: SecretStr | str, name: str) -> str:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text or text != text.strip():
        raise DataError(f"{name} must be non-empty and without surrounding whitespace")
    return text


def store_credentials(
    session: Session,
    cipher: CredentialCipher,
    user_id: int,
    exchange_id: str,
    api_key: SecretStr | str,
    api_secret: SecretStr | str,
    *,
    passphrase: SecretStr | str | None = None,
    label: str = "default",
) -> CredentialInfo:
    """Encrypt and store (or replace) a user's credentials for an exchange; returns masked info."""
    key = _plain(api_key, "api_key")
    secret = _plain(api_secret, "api_secret")
    phrase = None if passphrase is None else _plain(passphrase, "passphrase")
    row = session.scalars(
        select(ExchangeCredential).where(
            ExchangeCredential.user_id == user_id,
            ExchangeCredential.exchange_id == exchange_id,
            ExchangeCredential.label == label,
        )
    ).first()
    now = datetime.now(UTC)
    if row is None:
        row = ExchangeCredential(
            user_id=user_id, exchange_id=exchange_id, label=label, created_at=now
        )
        session.add(row)
    row.api_key_enc = cipher.seal(key, _context(user_id, exchange_id, label, "api_key"))
    row.api_secret_enc = cipher.seal(secret, _context(user_id, exchange_id, label, "api_secret"))
    row.passphrase_enc = (
        None
        if phrase is None
        else cipher.seal(phrase, _context(user_id, exchange_id, label, "passphrase"))
    )
    row.key_hint = mask_hint(key)
    row.updated_at = now
    session.flush()
    return _info(row)


def list_credentials(session: Session, user_id: int) -> Sequence[CredentialInfo]:
    """A user's stored credentials, masked."""
    rows = session.scalars(
        select(ExchangeCredential)
        .where(ExchangeCredential.user_id == user_id)
        .order_by(ExchangeCredential.exchange_id, ExchangeCredential.label)
    ).all()
    return [_info(r) for r in rows]


def delete_credentials(session: Session, user_id: int, credential_id: int) -> bool:
    """Delete one of the user's credentials; False if there is no such credential of theirs."""
    result = session.execute(
        delete(ExchangeCredential)
        .where(ExchangeCredential.user_id == user_id, ExchangeCredential.id == credential_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def load_exchange_secrets(
    session: Session,
    cipher: CredentialCipher,
    user_id: int,
    exchange_id: str,
    label: str = "default",
) -> ExchangeSecrets | None:
    """Decrypt a user's credentials for the live broker (the only path that decrypts)."""
    row = session.scalars(
        select(ExchangeCredential).where(
            ExchangeCredential.user_id == user_id,
            ExchangeCredential.exchange_id == exchange_id,
            ExchangeCredential.label == label,
        )
    ).first()
    if row is None:
        return None
    ctx = (user_id, exchange_id, label)
    return ExchangeSecrets(
        exchange_id=exchange_id,
        api_key=SecretStr(cipher.open(row.api_key_enc, _context(*ctx, "api_key"))),
        api_secret=SecretStr(cipher.open(row.api_secret_enc, _context(*ctx, "api_secret"))),
        passphrase=None
        if row.passphrase_enc is None
        else SecretStr(cipher.open(row.passphrase_enc, _context(*ctx, "passphrase"))),
    )
