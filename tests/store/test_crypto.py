"""Credentials: encrypted at rest, masked on every read path, never in logs."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from quantum.config import Settings
from quantum.errors import ConfigError
from quantum.store import Store
from quantum.store.crypto import CredentialCipher
from quantum.store.repositories.credentials import (
    delete_credentials,
    list_credentials,
    load_exchange_secrets,
    store_credentials,
)

KEY = SecretStr("test-secret-key-" + "x" * 32)
API_KEY = "AKIAQUANTUMAPIKEY0123456789wxyz"
API_SECRET = "s3cr3t-QUANTUM-SECRET-value-9f8e7d6c5b4a"
PASSPHRASE = "pass-PHRASE-quantum-77"


@pytest.fixture
def cipher() -> CredentialCipher:
    return CredentialCipher(KEY)


def test_credentials_are_unreadable_in_the_raw_table(
    store: Store, account: tuple[int, int], cipher: CredentialCipher
) -> None:
    user, _ = account
    with store.session() as s:
        info = store_credentials(
            s, cipher, user, "okx", API_KEY, SecretStr(API_SECRET), passphrase=PASSPHRASE
        )
    assert info.key_hint == "****wxyz" and info.has_passphrase
    with store.engine.connect() as conn:
        raw = conn.execute(text("SELECT * FROM exchange_credentials")).all()
    dump = repr(raw).encode() + b"".join(
        bytes(v) for row in raw for v in row if isinstance(v, bytes | bytearray | memoryview)
    )
    for plain in (API_KEY, API_SECRET, PASSPHRASE, API_KEY[:12], API_SECRET[-12:]):
        assert plain.encode() not in dump
    with store.session() as s:
        secrets = load_exchange_secrets(s, cipher, user, "okx")
    assert secrets is not None
    assert secrets.api_key.get_secret_value() == API_KEY
    assert secrets.api_secret.get_secret_value() == API_SECRET
    assert secrets.passphrase is not None and secrets.passphrase.get_secret_value() == PASSPHRASE
    assert API_SECRET not in repr(secrets) and API_KEY not in str(secrets)


def test_read_paths_return_only_the_masked_hint(
    store: Store, account: tuple[int, int], cipher: CredentialCipher
) -> None:
    user, _ = account
    with store.session() as s:
        store_credentials(s, cipher, user, "binanceusdm", API_KEY, API_SECRET)
        store_credentials(
            s, cipher, user, "binanceusdm", "NEWKEY-abcdefgh-1234", "new-secret-value"
        )
    with store.session() as s:
        listed = list_credentials(s, user)
    assert len(listed) == 1  # replaced, not duplicated
    text_of_listing = repr(listed)
    assert "****1234" in text_of_listing
    for plain in (API_KEY, API_SECRET, "NEWKEY-abcdefgh-1234", "new-secret-value"):
        assert plain not in text_of_listing
    with store.session() as s:
        assert delete_credentials(s, user + 1000, listed[0].id) is False
        assert delete_credentials(s, user, listed[0].id) is True
    with store.session() as s:
        assert list_credentials(s, user) == []
        assert load_exchange_secrets(s, cipher, user, "binanceusdm") is None


def test_wrong_key_and_moved_ciphertext_fail_clearly(
    store: Store, account: tuple[int, int], cipher: CredentialCipher
) -> None:
    user, _ = account
    with store.session() as s:
        store_credentials(s, cipher, user, "okx", API_KEY, API_SECRET)
        store_credentials(s, cipher, user, "bybit", "BYBITKEY-000011112222", "bybit-secret-000")
    other = CredentialCipher(SecretStr("another-secret-key-" + "y" * 32))
    with store.session() as s, pytest.raises(ConfigError, match="cannot decrypt"):
        load_exchange_secrets(s, other, user, "okx")
    # Copying OKX's sealed secret into the Bybit row must not decrypt (bound to its row).
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE exchange_credentials SET api_secret_enc = "
                "(SELECT api_secret_enc FROM (SELECT api_secret_enc FROM exchange_credentials "
                "WHERE exchange_id = 'okx') AS src) WHERE exchange_id = 'bybit'"
            )
        )
    with store.session() as s, pytest.raises(ConfigError, match="cannot decrypt"):
        load_exchange_secrets(s, cipher, user, "bybit")


def test_a_missing_or_short_secret_key_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="QUANTUM_SECRET_KEY is not set"):
        CredentialCipher(None)
    with pytest.raises(ConfigError, match="at least 32"):
        CredentialCipher(SecretStr("short"))
    with pytest.raises(ConfigError, match="not set"):
        CredentialCipher.from_settings(Settings(secret_key=None))
    assert "x" * 32 not in repr(CredentialCipher(KEY))


def test_credentials_never_appear_in_logs(
    store_url: str,
    account: tuple[int, int],
    cipher: CredentialCipher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user, _ = account
    caplog.set_level(logging.DEBUG)
    noisy = Store(store_url, echo=True)  # SQL and parameters logged at INFO
    try:
        with noisy.session() as s:
            store_credentials(s, cipher, user, "okx", API_KEY, API_SECRET, passphrase=PASSPHRASE)
        with noisy.session() as s:
            list_credentials(s, user)
            secrets = load_exchange_secrets(s, cipher, user, "okx")
            logging.getLogger("quantum.test").info("loaded %s", secrets)
    finally:
        noisy.dispose()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "exchange_credentials" in logged  # the SQL was logged, so the check means something
    for plain in (API_KEY, API_SECRET, PASSPHRASE):
        assert plain not in logged
