"""Portable column types: exact amounts, UTC datetimes and 64-bit primary keys.

This module and ``dialect.py`` are the only places that know which database is underneath. The
models use the types below and stay free of dialect-specific code.

``Amount`` is an exact decimal with 8 fractional digits (the core's fixed-point scale). MySQL,
MariaDB and TiDB store it as ``DECIMAL(p, 8)``. SQLite has no decimal type: a ``NUMERIC`` column
there silently turns values into binary floats. So on SQLite:

- ``Amount()`` (precision 20, for prices, quantities, per-trade and per-day money) is a 64-bit
  integer count of 10⁻⁸ units — exact, sortable and summable in SQL, and the same representation
  the Rust core uses; its range there is ±92,233,720,368.54775807 (a larger value is refused);
- ``Amount(28)`` (wide values: 24 h volumes, open interest, account balances) is the exact decimal
  text. It is never compared or summed in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, Numeric, String
from sqlalchemy.dialects import mysql
from sqlalchemy.types import TypeDecorator, TypeEngine

from quantum.errors import DataError

__all__ = ["SCALE", "Amount", "BigIntPK", "UTCDateTime", "to_amount"]

#: Fractional digits of every amount (prices, quantities, money); matches the Rust core.
SCALE = 8
_QUANTUM = Decimal(1).scaleb(-SCALE)
_I64_MAX = 2**63 - 1

#: An auto-incrementing 64-bit key. SQLite only auto-increments ``INTEGER PRIMARY KEY`` (its rowid,
#: which is 64-bit anyway), hence the variant.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def to_amount(value: object, field: str = "amount") -> Decimal:
    """Convert ``value`` to an exact 8-decimal ``Decimal`` or raise ``DataError``.

    Accepts ``Decimal``, ``int`` and decimal strings. Floats are refused: a float is not an exact
    amount, and guessing its decimal digits is how money goes wrong. A value with more than 8
    fractional digits is refused rather than rounded.
    """
    if isinstance(value, bool | float):
        raise DataError(f"{field}: {value!r} is a {type(value).__name__}; pass a Decimal or str")
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int | str):
        try:
            dec = Decimal(value)
        except InvalidOperation:
            raise DataError(f"{field}: {value!r} is not a decimal number") from None
    else:
        raise DataError(f"{field}: {value!r} is not a decimal amount")
    if not dec.is_finite():
        raise DataError(f"{field}: {value!r} is not finite")
    quantized = dec.quantize(_QUANTUM)
    if quantized != dec:
        raise DataError(f"{field}: {value!r} has more than {SCALE} fractional digits")
    return quantized


class Amount(TypeDecorator[Decimal]):
    """An exact decimal with 8 fractional digits; ``precision`` is the MySQL total digit count."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 20, scale: int = SCALE) -> None:
        if scale != SCALE:
            raise ValueError(f"amounts have exactly {SCALE} fractional digits")
        super().__init__(precision=precision, scale=SCALE, asdecimal=True)
        self.precision = precision

    @property
    def _as_integer(self) -> bool:
        return self.precision <= 20

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            if self._as_integer:
                return dialect.type_descriptor(BigInteger())
            return dialect.type_descriptor(String(self.precision + 2))
        return dialect.type_descriptor(Numeric(self.precision, SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if (
            type(value) is Decimal
            and value.is_finite()
            and int(value.as_tuple().exponent) >= -SCALE
        ):
            dec = value  # already exact at 10⁻⁸ (the records validate): skip re-quantizing
        else:
            dec = to_amount(value)
        if dec and dec.adjusted() >= self.precision - SCALE:
            raise DataError(f"amount {dec} needs more than {self.precision - SCALE} integer digits")
        if dialect.name == "sqlite":
            if not self._as_integer:
                return f"{dec:.8f}"
            units = int(dec.scaleb(SCALE))
            if not -_I64_MAX - 1 <= units <= _I64_MAX:
                raise DataError(f"amount {dec} is outside the SQLite store's 64-bit range")
            return units
        return dec

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite" and self._as_integer:
            # SUM() over an empty set is NULL (handled above); over integers it stays an integer.
            units: int = int(value)
            return Decimal(units).scaleb(-SCALE).quantize(_QUANTUM)
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
        return dec.quantize(_QUANTUM)


class UTCDateTime(TypeDecorator[datetime]):
    """A wall-clock instant stored as naive UTC (microseconds); read back as aware UTC.

    Event times of the trading domain are int64 nanoseconds in ``BigInteger`` columns instead; this
    type is for bookkeeping times (account creation, credential updates, backtest runs).
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            # Plain DATETIME on MySQL truncates to whole seconds.
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise DataError(f"{value!r} must be a timezone-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)
