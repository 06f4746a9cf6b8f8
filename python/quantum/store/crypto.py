"""Encryption of exchange credentials at rest (AES-256-GCM).

The key is derived (HKDF-SHA256) from ``QUANTUM_SECRET_KEY``, which lives only in the environment,
never in the database. Each value is sealed with a fresh 96-bit nonce and bound, as associated data,
to the row it belongs to (user, exchange, label, field): a ciphertext copied into another row or
field fails to decrypt instead of handing one user's key to another.

Layout of a sealed value: ``version (1 byte) || nonce (12 bytes) || ciphertext+tag``.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from quantum.config import Settings, get_settings
from quantum.errors import ConfigError

__all__ = ["CredentialCipher", "mask_hint"]

_VERSION = 1
_NONCE = 12
_MIN_KEY_CHARS = 32
_SALT = b"quantum-hft/credentials"
_INFO = b"exchange-credentials/aes-256-gcm/v1"


def mask_hint(value: str) -> str:
    """The only readable trace of a key: ``****`` plus its last four characters (if it is long)."""
    return "****" + value[-4:] if len(value) >= 12 else "****"


class CredentialCipher:
    """Seals and opens credential values with the key derived from the secret key."""

    __slots__ = ("_aead",)

    def __init__(self, secret_key: SecretStr | None) -> None:
        if secret_key is None:
            raise ConfigError(
                "QUANTUM_SECRET_KEY is not set; exchange credentials cannot be stored or read. "
                "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        material = secret_key.get_secret_value().encode()
        if len(material) < _MIN_KEY_CHARS:
            raise ConfigError(f"QUANTUM_SECRET_KEY must be at least {_MIN_KEY_CHARS} characters")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(material)
        self._aead = AESGCM(key)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CredentialCipher:
        """The cipher for the configured ``QUANTUM_SECRET_KEY`` (``ConfigError`` when unset)."""
        return cls((settings or get_settings()).secret_key)

    def __repr__(self) -> str:
        return "CredentialCipher(<key hidden>)"

    def seal(self, plaintext: str, context: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``context`` (the row and field it is stored in)."""
        nonce = os.urandom(_NONCE)
        return bytes([_VERSION]) + nonce + self._aead.encrypt(nonce, plaintext.encode(), context)

    def open(self, sealed: bytes, context: bytes) -> str:
        """Decrypt a value sealed for ``context``; ``ConfigError`` on a wrong key or altered row."""
        if len(sealed) < 1 + _NONCE + 16 or sealed[0] != _VERSION:
            raise ConfigError("stored credential has an unknown format")
        try:
            plain = self._aead.decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], context)
        except InvalidTag:
            raise ConfigError(
                "cannot decrypt a stored credential: QUANTUM_SECRET_KEY differs from the key it "
                "was stored with, or the row was altered"
            ) from None
        return plain.decode()
