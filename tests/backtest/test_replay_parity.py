"""Record and replay: a session driven tick by tick through `Engine.on_tick` records its feed; the
backtester replays the recording through the batch path and reproduces the session's decisions."""

from __future__ import annotations

from pathlib import Path

import quantum
from quantum.data import Recorder, generate, read_recording

CHUNK = 2_000


def test_a_replayed_recording_reproduces_the_live_session(tmp_path: Path) -> None:
    feed = generate(30_000, seed=5, symbols=("BTCUSDT", "ETHUSDT"))
    cols = feed.to_dict()
    names = list(feed.columns)
    live = quantum.Engine(symbols=feed.symbol_names)
    signals, trades = [], []
    # The "session": ticks arrive one at a time; the recorder writes what the session saw.
    with Recorder(tmp_path / "session") as rec:
        for start in range(0, len(feed), CHUNK):
            part = feed.slice(start, min(start + CHUNK, len(feed)))
            rec.append(part)
            for i in range(start, start + len(part)):
                kwargs = {
                    n: cols[n][i].item()
                    for n in names
                    if n not in ("ts_event", "ts_recv", "symbol")
                }
                ts_event = int(cols["ts_event"][i])
                ts_recv = int(cols["ts_recv"][i]) if "ts_recv" in cols else ts_event
                for event in live.on_tick(ts_event, ts_recv, int(cols["symbol"][i]), **kwargs):
                    if isinstance(event, quantum._core.SignalEvent):
                        signals.append((event.ts_recv, event.symbol, event.side, event.strategy))
                    elif isinstance(event, quantum._core.TradeEvent):
                        trades.append(
                            (
                                event.symbol,
                                event.side,
                                event.entry_ts,
                                event.exit_ts,
                                str(event.pnl),
                            )
                        )

    replay = quantum.backtest(read_recording(tmp_path / "session"))
    assert len(trades) > 10 and len(signals) > 100
    assert replay.stats["signals"] == len(signals)
    got = [
        (
            int(feed.symbol_names.index(t.symbol)),
            t.side,
            t.entry_time.value,
            t.exit_time.value,
            f"{t.pnl:.8f}",
        )
        for t in replay.trades.itertuples()
    ]
    assert got == trades
    assert replay.metrics["final_equity"] == live.equity
    assert replay.metrics["fees"] == live.metrics()["fees"]
