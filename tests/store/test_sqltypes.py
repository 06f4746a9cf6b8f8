"""Exact amounts and UTC datetimes, on both backends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from quantum.errors import DataError
from quantum.store import Store
from quantum.store.sqltypes import Amount, UTCDateTime, to_amount

EDGE_AMOUNTS = [
    "0",
    "0.00000001",
    "-0.00000001",
    "1.23456789",
    "65000.12345678",
    "-65000.12345678",
    "0.10000000",
    "92233720368.54775807",  # the SQLite store's maximum
    "-92233720368.54775807",
    "12345678901.99999999",
]


@pytest.mark.parametrize("text", ["1.123456789", "0.000000001", "1e-9"])
def test_to_amount_refuses_more_than_8_decimals(text: str) -> None:
    with pytest.raises(DataError, match="more than 8"):
        to_amount(text)


@pytest.mark.parametrize("bad", [1.5, True, "abc", "NaN", "Infinity", None, [1]])
def test_to_amount_refuses_inexact_or_non_numbers(bad: object) -> None:
    with pytest.raises(DataError):
        to_amount(bad)


def test_to_amount_normalises_to_8_places() -> None:
    assert str(to_amount("1.5")) == "1.50000000"
    assert str(to_amount(7)) == "7.00000000"
    assert to_amount(Decimal("1E+3")) == Decimal(1000)


def test_amount_and_datetime_round_trip_exactly(store: Store) -> None:
    md = MetaData()
    table = Table(
        "roundtrip",
        md,
        Column("id", Integer, primary_key=True),
        Column("a20", Amount()),
        Column("a28", Amount(28)),
        Column("at", UTCDateTime()),
    )
    md.create_all(store.engine)
    when = datetime(2024, 8, 8, 23, 54, 15, 123456, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(table),
            [
                {
                    "id": i,
                    "a20": Decimal(v),
                    "a28": Decimal(v),
                    "at": when + timedelta(microseconds=i),
                }
                for i, v in enumerate(EDGE_AMOUNTS, start=1)
            ],
        )
    with store.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.id)).all()
    for (i, a20, a28, at), text in zip(rows, EDGE_AMOUNTS, strict=True):  # ids from 1
        assert isinstance(a20, Decimal)
        assert a20 == Decimal(text) and str(a20) == str(to_amount(text))
        assert a28 == Decimal(text)
        assert at == when + timedelta(microseconds=i)
        assert at.tzinfo is UTC


def test_amount_sums_are_exact_in_sql(store: Store) -> None:
    md = MetaData()
    table = Table("sums", md, Column("id", Integer, primary_key=True), Column("v", Amount(28)))
    md.create_all(store.engine)
    with store.engine.begin() as conn:
        # 0.1 a thousand times: a float sum would drift, an exact one is 100.
        conn.execute(insert(table), [{"v": Decimal("0.10000000")} for _ in range(1000)])
        conn.execute(insert(table), [{"v": Decimal("-0.00000001")}])
    from sqlalchemy import func

    with store.engine.connect() as conn:
        total = conn.execute(select(func.sum(table.c.v))).scalar_one()
        assert total == Decimal("99.99999999")
        small = conn.execute(select(func.count()).where(table.c.v < Decimal("0.1"))).scalar_one()
        assert small == 1


def test_amount_refuses_bad_values_at_bind_time(store: Store) -> None:
    md = MetaData()
    table = Table("bad", md, Column("id", Integer, primary_key=True), Column("v", Amount()))
    md.create_all(store.engine)
    with store.engine.begin() as conn, pytest.raises(StatementError) as info:
        conn.execute(insert(table), [{"v": Decimal("1.123456789")}])
    assert isinstance(info.value.orig, DataError)
    with store.engine.begin() as conn, pytest.raises(StatementError) as info:
        conn.execute(insert(table), [{"v": Decimal("1000000000000")}])  # 13 integer digits
    assert isinstance(info.value.orig, DataError)


def test_utc_datetime_needs_a_timezone_and_converts_to_utc(store: Store) -> None:
    md = MetaData()
    table = Table("times", md, Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    md.create_all(store.engine)
    plus2 = datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with store.engine.begin() as conn:
        conn.execute(insert(table), [{"id": 1, "at": plus2}])
    with store.engine.connect() as conn:
        assert conn.execute(select(table.c.at)).scalar_one() == datetime(
            2024, 1, 1, 10, 0, tzinfo=UTC
        )
    with store.engine.begin() as conn, pytest.raises(Exception, match="timezone-aware"):
        conn.execute(insert(table), [{"id": 2, "at": datetime(2024, 1, 1)}])


def test_random_amounts_round_trip_exactly(store: Store) -> None:
    rng = random.Random(20240808)
    md = MetaData()
    table = Table(
        "random_amounts",
        md,
        Column("id", Integer, primary_key=True),
        Column("a20", Amount()),
        Column("a28", Amount(28)),
    )
    md.create_all(store.engine)
    values = [
        (
            Decimal(rng.randrange(-(2**63) + 1, 2**63)).scaleb(-8),
            Decimal(rng.randrange(-(10**28) + 1, 10**28)).scaleb(-8),
        )
        for _ in range(2000)
    ]
    with store.engine.begin() as conn:
        conn.execute(
            insert(table),
            [{"id": i, "a20": a, "a28": b} for i, (a, b) in enumerate(values, start=1)],
        )
    with store.engine.connect() as conn:
        got = conn.execute(select(table.c.a20, table.c.a28).order_by(table.c.id)).all()
    assert [(a, b) for a, b in got] == values
