"""The exception hierarchy of Quantum HFT.

Every error the package raises is a ``QuantumError``. The native core maps each of its Rust error
variants to one class here (see ``core-rs/src/python/errors.rs``), so callers can write
``except RiskRejected`` instead of parsing messages.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "BadSymbol",
    "BookError",
    "ChecksumMismatch",
    "ColumnError",
    "ConfigError",
    "DataError",
    "ExchangeError",
    "InsufficientFunds",
    "NetworkError",
    "OrderError",
    "OrderOutcomeUnknown",
    "QuantumError",
    "RateLimited",
    "RiskRejected",
    "SequenceGap",
    "StoreError",
]


class QuantumError(Exception):
    """Base class of every error raised by Quantum HFT."""


class ConfigError(QuantumError, ValueError):
    """A configuration value is invalid (out of range, unknown field, wrong type)."""


class DataError(QuantumError, ValueError):
    """Input data is malformed or inconsistent."""


class ColumnError(DataError):
    """A tick column has the wrong dtype or length; ``column`` names it."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.column = column


class RiskRejected(QuantumError):
    """DRB-Guard refused an order; ``reason`` is the machine-readable reason (e.g. ``notional_cap``)."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class BookError(QuantumError):
    """The order book cannot apply an update; the book is invalid until resynced."""


class SequenceGap(BookError):
    """An update's sequence id does not follow the last applied one."""


class ChecksumMismatch(BookError):
    """The exchange's checksum disagrees with the book after an update."""


class StoreError(QuantumError):
    """The database could not be reached or refused a write."""


class ExchangeError(QuantumError):
    """An exchange request failed."""


class InsufficientFunds(ExchangeError):
    """The exchange refused an order for lack of balance or margin."""


class RateLimited(ExchangeError):
    """The exchange's rate limit was hit; retry later."""


class BadSymbol(ExchangeError):
    """The exchange does not know the symbol."""


class NetworkError(ExchangeError):
    """The exchange could not be reached, or the connection dropped."""


class OrderOutcomeUnknown(ExchangeError):
    """An order was sent but its outcome is unknown; it must be reconciled, never resent blindly."""


class AuthError(QuantumError):
    """Authentication or authorisation failed."""


class OrderError(QuantumError, ValueError):
    """An order conflicts with the account's state (a position or order already exists, bad size)."""
