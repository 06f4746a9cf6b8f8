"""Funding-rate history → a funding schedule (times and rates) for the engine to charge.

Accepted layouts (gzip or plain, header required): ``funding_time,funding_rate`` (the file in
``shared/data/funding_oi``), Binance public data ``calc_time,funding_interval_hours,
last_funding_rate`` and the REST field names ``fundingTime,fundingRate``. Times are ms (or µs/ns,
told by magnitude) and become int64 ns; the rate is the fraction paid per funding event (0.0001 =
0.01 %; positive means longs pay shorts). Binance's real funding times can sit a few ms after the
hour; they are kept exactly as given.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from quantum.data._csv import parse_header
from quantum.data._source import DEFAULT_CHUNK_ROWS, infer_symbol, line_batches, to_ns
from quantum.data.columns import TickColumns
from quantum.data.report import LoadReport
from quantum.errors import ColumnError, ConfigError, DataError

__all__ = ["FundingSchedule", "iter_funding_rates", "load_funding_rates"]

_TIME_NAMES: Final[tuple[str, ...]] = ("funding_time", "calc_time", "fundingtime", "time")
_RATE_NAMES: Final[tuple[str, ...]] = ("funding_rate", "last_funding_rate", "fundingrate")


@dataclass(frozen=True, eq=False)
class FundingSchedule:
    """Funding events of one symbol: ``ts`` (int64 ns) and ``rate`` (float64 fraction)."""

    symbol: str
    ts: NDArray[np.int64]
    rate: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.ts.dtype != np.int64 or self.rate.dtype != np.float64:
            raise ColumnError("funding ts must be int64 and rate float64", column="ts")
        if self.ts.shape != self.rate.shape or self.ts.ndim != 1:
            raise ColumnError("funding ts and rate must be 1-D and equally long", column="rate")

    def __len__(self) -> int:
        return len(self.ts)

    def rate_at(self, ts_ns: int) -> float | None:
        """The rate of the funding event exactly at ``ts_ns``, or ``None`` if there is none."""
        i = int(np.searchsorted(self.ts, ts_ns))
        if i < len(self.ts) and int(self.ts[i]) == ts_ns:
            return float(self.rate[i])
        return None

    def between(self, start_ns: int, end_ns: int) -> FundingSchedule:
        """The events with ``start_ns < ts <= end_ns`` (the ones a position held over that span
        pays), assuming ``ts`` is sorted as in every funding history."""
        lo = int(np.searchsorted(self.ts, start_ns, side="right"))
        hi = int(np.searchsorted(self.ts, end_ns, side="right"))
        return FundingSchedule(self.symbol, self.ts[lo:hi], self.rate[lo:hi])

    def apply_to(self, ticks: TickColumns) -> TickColumns:
        """``ticks`` with their ``funding_rate`` set from this history, as a venue's mark-price
        stream announces it: each tick carries the rate that settles at the next funding event
        at or after its ``ts_event`` (the rate in force for it), NaN after the last one. The
        engine settles a funding time at the latest rate known at or before it, so each event is
        charged its own rate. Only ticks of this schedule's symbol are touched (all ticks when
        the batch has a single symbol)."""
        cols = dict(ticks.columns)
        ts = cols["ts_event"]
        idx = np.searchsorted(self.ts, ts, side="left")
        known = idx < len(self.ts)
        rates: NDArray[np.float64] = np.full(len(ts), np.nan)
        rates[known] = self.rate[idx[known]]
        names = ticks.symbol_names
        if len(names) > 1:
            if self.symbol not in names:
                raise ColumnError(
                    f"funding history is for {self.symbol!r}, not in {names}", column="symbol"
                )
            mine = cols["symbol"] == names.index(self.symbol)
            old = cols.get("funding_rate", np.full(len(ts), np.nan))
            rates = np.where(mine, rates, old)
        cols["funding_rate"] = rates
        return TickColumns(cols, names)

    def to_ticks(self) -> TickColumns:
        """The events as ticks carrying only ``funding_rate`` (``ts_recv = ts_event``), for
        merging into a tick stream."""
        return TickColumns(
            {
                "ts_event": self.ts,
                "ts_recv": self.ts.copy(),
                "symbol": np.zeros(len(self.ts), dtype=np.uint32),
                "funding_rate": self.rate,
            },
            (self.symbol,),
        )

    @staticmethod
    def concat(parts: Sequence[FundingSchedule], symbol: str = "") -> FundingSchedule:
        """Join schedules of one symbol."""
        if not parts:
            return FundingSchedule(symbol, np.empty(0, np.int64), np.empty(0, np.float64))
        return FundingSchedule(
            parts[0].symbol,
            np.concatenate([p.ts for p in parts]),
            np.concatenate([p.rate for p in parts]),
        )


def iter_funding_rates(
    path: str | Path,
    *,
    symbol: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report: LoadReport | None = None,
) -> Iterator[FundingSchedule]:
    """Stream a funding-rate CSV as schedule chunks of at most ``chunk_rows`` events."""
    path = Path(path)
    report = report if report is not None else LoadReport()
    report.source = str(path)
    name = symbol or infer_symbol(path)
    if name is None:
        raise ConfigError(f"cannot tell the symbol of {path.name}; pass symbol=")
    columns: tuple[int, int, int] | None = None
    for first_line_no, lines in line_batches(path, chunk_rows, report):
        if columns is None:
            header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
            if header_at is None:
                continue
            columns = _columns(parse_header(lines[header_at]), path)
            first_line_no += header_at + 1
            lines = lines[header_at + 1 :]
        i_time, i_rate, ncols = columns
        times: list[int] = []
        rates: list[float] = []
        for offset, raw in enumerate(lines):
            if not raw.strip():
                continue
            try:
                fields = raw.decode("ascii").split(",")
                if len(fields) != ncols:
                    raise ValueError(f"expected {ncols} fields, found {len(fields)}")
                t = int(fields[i_time])
                rate = float(fields[i_rate])
                if t <= 0 or not math.isfinite(rate):
                    raise ValueError("time must be positive and the rate finite")
            except (ValueError, UnicodeDecodeError) as exc:
                report.add_error(first_line_no + offset, str(exc))
                continue
            times.append(to_ns(t))
            rates.append(rate)
        if times:
            report.rows += len(times)
            yield FundingSchedule(
                name, np.array(times, dtype=np.int64), np.array(rates, dtype=np.float64)
            )


def load_funding_rates(
    path: str | Path, *, symbol: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> tuple[FundingSchedule, LoadReport]:
    """Load a whole funding-rate CSV as one :class:`FundingSchedule`."""
    report = LoadReport()
    parts = list(iter_funding_rates(path, symbol=symbol, chunk_rows=chunk_rows, report=report))
    name = symbol or infer_symbol(Path(path)) or ""
    return FundingSchedule.concat(parts, name), report


def _columns(header: list[str] | None, path: Path) -> tuple[int, int, int]:
    if header is None:
        raise DataError(f"{path.name}: a funding-rate file needs a header row")
    i_time = next((header.index(n) for n in _TIME_NAMES if n in header), None)
    i_rate = next((header.index(n) for n in _RATE_NAMES if n in header), None)
    if i_time is None or i_rate is None:
        raise DataError(f"{path.name}: funding header needs a time and a rate column: {header}")
    return i_time, i_rate, len(header)
