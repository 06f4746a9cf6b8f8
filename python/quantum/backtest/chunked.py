"""A backtest fed to the engine in chunks, so a caller can report progress between them.

``quantum.backtest`` hands the whole batch to the core in one native call. This driver hands it
over ``chunk_rows`` ticks at a time through the same :class:`quantum.Engine` (``native.run`` per
chunk, then ``finish``). The core processes a batch tick by tick in order and keeps all its state
between calls, so the result is identical to one call (``tests/backtest/test_chunked.py`` checks
it trade for trade); only the progress callback runs in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from quantum.backtest.runner import BacktestResult, finish_result
from quantum.engine import Engine, EngineConfig
from quantum.errors import ConfigError
from quantum.strategy import OrderStrategy, Strategy
from quantum.ticks import to_batch

__all__ = ["DEFAULT_RUN_CHUNK", "backtest_chunked"]

DEFAULT_RUN_CHUNK = 1_000_000
"""Ticks per native call: a fraction of a second of engine time, so progress moves smoothly while
the per-call overhead (a few microseconds) stays invisible."""


def backtest_chunked(
    ticks: Any,
    config: EngineConfig | None = None,
    *,
    symbol_names: Sequence[str] | None = None,
    strategies: Sequence[Strategy | OrderStrategy] = (),
    chunk_rows: int = DEFAULT_RUN_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Like :func:`quantum.backtest`, in chunks of ``chunk_rows``; ``on_chunk(rows)`` after each.

    ``elapsed_s`` sums the native calls only (as in ``quantum.backtest``), so ``ticks_per_s`` is
    the engine's throughput, not the callback's.
    """
    if chunk_rows <= 0:
        raise ConfigError(f"chunk_rows must be positive, got {chunk_rows}")
    batch = to_batch(ticks, symbol_names)
    engine = Engine(config, symbols=batch.symbol_names, strategies=strategies)
    native = engine.native
    n = len(batch)
    elapsed = 0.0
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        # Basic slices of contiguous 1-D arrays are contiguous views: no copy per chunk.
        chunk = {name: col[start:stop] for name, col in batch.columns.items()}
        t0 = time.perf_counter()
        native.run(chunk)
        elapsed += time.perf_counter() - t0
        if on_chunk is not None:
            on_chunk(stop - start)
    return finish_result(engine, elapsed)
