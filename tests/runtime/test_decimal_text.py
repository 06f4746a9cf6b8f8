"""Amounts reach the API as positional decimal strings with 8 places."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quantum.runtime.accounts import d8


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), "0.00000000"),
        (Decimal("-0E-12"), "0.00000000"),
        (Decimal("1E+3"), "1000.00000000"),
        (Decimal("-12.345678901"), "-12.34567890"),
        (0.1, "0.10000000"),
    ],
)
def test_amounts_are_positional_with_eight_places(value: object, text: str) -> None:
    assert d8(value) == text
