"""TickColumns and DepthColumns: validation, conversion, concatenation and symbol remapping."""

from __future__ import annotations

import numpy as np
import pytest

from quantum.data import TICK_DTYPES, DepthColumns, SymbolTable, TickColumns
from quantum.errors import ColumnError


def _ticks(n: int = 3, names: tuple[str, ...] = ("BTCUSDT",)) -> TickColumns:
    return TickColumns.from_arrays(
        names,
        ts_event=np.arange(n) * 10,
        ts_recv=np.arange(n) * 10 + 1,
        symbol=np.zeros(n, dtype=np.uint32),
        price=np.linspace(100.0, 101.0, n),
    )


def test_from_arrays_converts_to_exact_dtypes() -> None:
    ticks = _ticks()
    assert ticks["ts_event"].dtype == np.int64
    assert ticks["symbol"].dtype == np.uint32
    assert ticks.names == ("ts_event", "ts_recv", "symbol", "price")
    assert len(ticks) == 3
    assert set(ticks.to_dict()) == set(ticks.names)


@pytest.mark.parametrize(
    ("column", "values"),
    [("ts_event", [1.5, 2.0]), ("symbol", [-1, 0]), ("liq_side", [300, 0])],
)
def test_from_arrays_refuses_lossy_conversion(column: str, values: list[float]) -> None:
    arrays = {"ts_event": [1, 2], "ts_recv": [1, 2], "symbol": [0, 0], column: values}
    with pytest.raises(ColumnError) as err:
        TickColumns.from_arrays(["X"], **arrays)
    assert err.value.column == column


def test_validation_names_the_bad_column() -> None:
    good = _ticks().to_dict()
    cases: list[tuple[dict[str, np.ndarray], str]] = [
        ({**good, "price": good["price"].astype(np.float32)}, "price"),
        ({**good, "price": good["price"][:2]}, "price"),
        ({**good, "nonsense": good["price"]}, "nonsense"),
        ({k: v for k, v in good.items() if k != "ts_recv"}, "ts_recv"),
        ({**good, "symbol": np.array([0, 1, 0], dtype=np.uint32)}, "symbol"),
        ({**good, "liq_side": np.array([0, 2, 0], dtype=np.int8)}, "liq_side"),
        ({**good, "bid": np.zeros((3, 2))[:, 0]}, "bid"),
    ]
    for cols, column in cases:
        with pytest.raises(ColumnError) as err:
            TickColumns(cols, ("BTCUSDT",))
        assert err.value.column == column


def test_concat_merges_symbol_tables_and_fills_missing_columns() -> None:
    a = _ticks(2, ("BTCUSDT",))
    b = TickColumns.from_arrays(
        ("ETHUSDT", "BTCUSDT"),
        ts_event=[100, 110],
        ts_recv=[101, 111],
        symbol=[0, 1],
        bid=[10.0, 11.0],
        liq_side=[1, -1],
    )
    out = TickColumns.concat([a, b])
    assert out.symbol_names == ("BTCUSDT", "ETHUSDT")
    assert [out.symbol_of(i) for i in range(4)] == ["BTCUSDT", "BTCUSDT", "ETHUSDT", "BTCUSDT"]
    assert np.isnan(out["price"][2:]).all()
    assert np.isnan(out["bid"][:2]).all()
    assert out["liq_side"].tolist() == [0, 0, 1, -1]


def test_concat_of_nothing_has_the_requested_schema() -> None:
    out = TickColumns.concat([], ("price", "volume"), ("X",))
    assert len(out) == 0
    assert out.names == ("ts_event", "ts_recv", "symbol", "price", "volume")
    assert out.symbol_names == ("X",)


def test_slice_take_and_equals() -> None:
    ticks = _ticks(5)
    assert ticks.slice(1, 3).equals(ticks.take(np.array([1, 2])))
    assert not ticks.slice(0, 2).equals(ticks.slice(1, 3))
    with_nan = ticks.with_columns(["bid"])
    assert with_nan.equals(ticks.with_columns(["bid"]))  # NaN equals NaN here
    assert set(TICK_DTYPES) >= set(with_nan.names)


def test_merge_two_feeds_by_receive_time() -> None:
    bars = TickColumns.from_arrays(
        ["BTCUSDT"], ts_event=[10, 30], ts_recv=[10, 30], symbol=[0, 0], close=[1.0, 2.0]
    )
    funding = TickColumns.from_arrays(
        ["BTCUSDT"], ts_event=[20, 30], ts_recv=[20, 30], symbol=[0, 0], funding_rate=[1e-4, 2e-4]
    )
    merged = TickColumns.concat([bars, funding]).sorted()
    assert merged["ts_recv"].tolist() == [10, 20, 30, 30]
    assert merged["close"][2] == 2.0 and np.isnan(merged["close"][3])  # ties keep their order
    assert merged["funding_rate"][3] == 2e-4
    with pytest.raises(ColumnError):
        merged.sorted("price")


def test_symbol_table_ids_are_stable() -> None:
    table = SymbolTable(["A"])
    assert table.intern("B") == 1
    assert table.intern("A") == 0
    assert table.names() == ("A", "B")


def _depth() -> DepthColumns:
    return DepthColumns(
        ts_event=np.array([1, 2, 3], dtype=np.int64),
        ts_recv=np.array([2, 3, 4], dtype=np.int64),
        symbol=np.zeros(3, dtype=np.uint32),
        first_id=np.array([10, 11, 13], dtype=np.uint64),
        last_id=np.array([10, 12, 15], dtype=np.uint64),
        prev_id=np.array([0, 10, 12], dtype=np.uint64),
        is_snapshot=np.array([True, False, False]),
        level_offsets=np.array([0, 2, 3, 5], dtype=np.int64),
        side=np.array([1, -1, 1, -1, -1], dtype=np.int8),
        price=np.array([99.0, 101.0, 99.5, 101.0, 102.0]),
        qty=np.array([1.0, 2.0, 3.0, 0.0, 4.0]),
        symbol_names=("BTCUSDT",),
    )


def test_depth_levels_slice_take_concat() -> None:
    depth = _depth()
    side, price, qty = depth.levels(2)
    assert side.tolist() == [-1, -1] and price.tolist() == [101.0, 102.0]
    assert qty.tolist() == [0.0, 4.0]
    tail = depth.slice(1, 3)
    assert tail.level_offsets.tolist() == [0, 1, 3]
    assert tail.equals(depth.take(np.array([1, 2])))
    picked = depth.take(np.array([2, 0]))
    assert picked.levels(0)[1].tolist() == [101.0, 102.0]
    assert picked.levels(1)[1].tolist() == [99.0, 101.0]
    joined = DepthColumns.concat([depth.slice(0, 1), tail])
    assert joined.equals(depth)


def test_depth_concat_remaps_symbols() -> None:
    eth = _depth().with_symbol_names(("BTCUSDT",))
    other = DepthColumns(**{**_depth().to_dict(), "symbol_names": ("ETHUSDT",)})
    joined = DepthColumns.concat([eth, other])
    assert joined.symbol_names == ("BTCUSDT", "ETHUSDT")
    assert joined.symbol.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"level_offsets": np.array([0, 2, 3, 4], dtype=np.int64)}, "level_offsets"),
        ({"level_offsets": np.array([0, 3, 2, 5], dtype=np.int64)}, "level_offsets"),
        ({"side": np.array([1, 0, 1, -1, -1], dtype=np.int8)}, "side"),
        ({"prev_id": np.array([0, 10, 12], dtype=np.int64)}, "prev_id"),
        ({"symbol_names": ()}, "symbol"),
    ],
)
def test_depth_validation(change: dict[str, object], column: str) -> None:
    with pytest.raises(ColumnError) as err:
        DepthColumns(**{**_depth().to_dict(), **change})
    assert err.value.column == column
