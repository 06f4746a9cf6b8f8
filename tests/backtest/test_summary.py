"""The JSON document of a run: keys, exact money, the book hook."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

import quantum
from quantum.backtest.summary import BOOK_KEYS, book_stats, jsonable, metric_rows, result_document
from quantum.data import TickColumns
from quantum.engine import EngineConfig

TOP_LEVEL = ("ticks", "ticks_rejected", "trades", "metrics", "rejections", "elapsed_s",
             "ticks_per_s", "book")  # fmt: skip


@pytest.fixture(scope="module")
def result(market: TickColumns, busy_config: EngineConfig) -> quantum.BacktestResult:
    return quantum.backtest(market, busy_config)


def test_document_has_the_required_keys_and_agrees_with_the_result(
    result: quantum.BacktestResult,
) -> None:
    doc = json.loads(json.dumps(result_document(result, source="x", load_s=0.5)))
    assert set(TOP_LEVEL) <= set(doc)
    assert doc["ticks"] == result.ticks_processed == 100_000
    assert doc["trades"] == len(result.trades) > 100
    assert doc["ticks_rejected"] == result.stats["ticks_rejected"]
    assert doc["rejections"] == result.rejections
    assert doc["book"] is None  # no depth in this run
    # Money is carried exactly, as decimal strings.
    assert Decimal(doc["metrics"]["net_pnl"]) == result.metrics["net_pnl"]
    assert Decimal(doc["metrics"]["fees"]) == result.metrics["fees"]
    assert doc["end_to_end_ticks_per_s"] == pytest.approx(100_000 / (result.elapsed_s + 0.5))


def test_book_counters_are_reported_when_the_result_has_depth(
    result: quantum.BacktestResult,
) -> None:
    # The core's book counters (what a depth-driven run carries) are reported under "book".
    with_book = dataclasses.replace(
        result, book={"updates_applied": 10, "gaps": 1, "checksum_failures": 0, "resyncs": 1}
    )
    stats = book_stats(with_book)
    assert stats is not None
    assert stats == {
        "updates_applied": 10,
        "gaps_detected": 1,
        "checksum_failures": 0,
        "resyncs": 1,
    }
    assert tuple(stats) == BOOK_KEYS
    assert result_document(with_book)["book"] == stats
    assert ("book gaps detected", "1") in metric_rows(with_book)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0E-8"), "0.00000000"),
        (Decimal("-1.5"), "-1.5"),
        (float("nan"), None),
        (float("inf"), None),
        (1.25, 1.25),
        ({"a": [Decimal("2"), 3]}, {"a": ["2", 3]}),
    ],
)
def test_jsonable(value: Any, expected: Any) -> None:
    assert jsonable(value) == expected
