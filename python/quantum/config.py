"""Process-wide settings, read once from the environment (prefix ``QUANTUM_``) or ``.env``.

Secrets have no working defaults: ``secret_key`` is ``None`` until the operator sets
``QUANTUM_SECRET_KEY``, and every operation that needs it raises ``ConfigError`` until then.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """The settings of one Quantum HFT process."""

    model_config = SettingsConfigDict(
        env_prefix="QUANTUM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",  # .env may hold variables of other tools; unknown QUANTUM_ keys are ignored
        frozen=True,
    )

    #: SQLAlchemy URL of the store; ``None`` means the SQLite file ``<data_dir>/quantum.db``.
    database_url: str | None = None
    #: Key material for encrypting exchange credentials at rest; never stored in the database.
    secret_key: SecretStr | None = None
    #: Directory for the SQLite file, the writer's spill files and other local state.
    data_dir: Path = Path("./data")
    #: First admin, created at service start when the store has no user (both must be set).
    admin_user: str | None = None
    admin_password: SecretStr | None = None
    #: Browser origins allowed to call the API cross-origin (JSON list or comma-separated).
    cors_origins: Annotated[list[str], NoDecode] = []
    #: Where ``quantum serve`` listens by default.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    #: Lifetime of a login session, seconds (sessions are stored, so they survive a restart).
    session_ttl_s: float = Field(12 * 3600, gt=0)
    #: The operator's consent to live trading (``quantum serve --allow-live``): without it no
    #: admin can switch an account to real orders, whatever credentials are stored.
    allow_live: bool = False
    #: Run the store's transactions in a child process (``quantum.store.committer``), so that
    #: SQL building never holds the GIL the event loop's thread needs to push ticks.
    store_writer_process: bool = True

    @field_validator("database_url")
    @classmethod
    def _blank_url_is_default(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                return json.loads(text)
            return [o.strip() for o in text.split(",") if o.strip()]
        return value

    @field_validator("admin_user")
    @classmethod
    def _blank_user_is_unset(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @field_validator("secret_key", "admin_password")
    @classmethod
    def _blank_key_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    def resolved_database_url(self) -> str:
        """The store URL: ``database_url`` or the SQLite file in ``data_dir``."""
        if self.database_url is not None:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'quantum.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, loaded once (``get_settings.cache_clear()`` reloads)."""
    return Settings()
