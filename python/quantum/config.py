"""Process-wide settings, read once from the environment (prefix ``QUANTUM_``) or ``.env``.

Secrets have no working defaults: ``secret_key`` is ``None`` until the operator sets
``QUANTUM_SECRET_KEY``, and every operation that needs it raises ``ConfigError`` until then.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @field_validator("database_url")
    @classmethod
    def _blank_url_is_default(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        return value

    @field_validator("secret_key")
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
