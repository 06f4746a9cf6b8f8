"""Where the store writer's transactions run: in its own thread, or in a child process.

:class:`InlineCommitter` commits a batch with the writer's engine, in the writer's thread.

:class:`ProcessCommitter` hands the batch over a pipe to a child process that commits it with its
own engine on the same URL, and waits for the outcome. The parent's writer thread then holds the
GIL only to pickle the batch: SQLAlchemy's SQL building, pure Python and a few milliseconds per
batch, no longer competes with the event loop's thread, which otherwise had to wait for it (up to
the interpreter's 5 ms switch interval) in the middle of pushing a tick to the clients. The
outcome comes back as what the writer needs to decide: permanent (the event itself is refused:
dead-letter it) or not (retry), with the error's text. A child that dies is a failed write
(retried) and the next write starts a new child.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection as Pipe
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from quantum.errors import ConfigError, DataError, StoreError
from quantum.store.records import (
    EngineStateRecord,
    EquityRecord,
    FillRecord,
    MarketSnapshotRecord,
    PositionRecord,
    Record,
    SignalRecord,
    StatusRecord,
    TradeRecord,
)
from quantum.store.repositories.equity import record_equity
from quantum.store.repositories.fills import record_fills
from quantum.store.repositories.market import record_market_snapshots
from quantum.store.repositories.positions import record_positions
from quantum.store.repositories.signals import record_signals
from quantum.store.repositories.status import record_status
from quantum.store.repositories.trades import record_trades

__all__ = [
    "CommitFailed",
    "CommitRefused",
    "Committer",
    "InlineCommitter",
    "ProcessCommitter",
    "commit_batch",
    "describe_failure",
    "is_permanent",
]

log = logging.getLogger(__name__)

#: Seconds a child may take to finish its last batch and exit when the writer closes.
_CHILD_EXIT_S = 5.0


class CommitFailed(StoreError):
    """The child process could not commit a batch for a reason worth retrying (its text)."""


class CommitRefused(DataError):
    """The database refused an event of the batch for itself (retrying it cannot succeed)."""


def describe_failure(exc: BaseException) -> str:
    """A one-line reason: the driver's message without SQLAlchemy's echo of SQL and parameters."""
    if isinstance(exc, CommitFailed | CommitRefused):
        return str(exc)  # described where it happened, in the child
    inner = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    return f"{type(inner).__name__}: {inner}"[:500]


def is_permanent(exc: BaseException) -> bool:
    """A failure caused by the event itself (retrying it cannot succeed), not by the connection."""
    return isinstance(exc, DataError | sa_exc.IntegrityError | sa_exc.DataError)


def commit_batch(engine: Engine, batch: Sequence[Record], backlog: tuple[int, int]) -> None:
    """Commit ``batch`` in one transaction, grouped by kind (state saves keep their place)."""
    with engine.begin() as conn:
        for kind, group in _groups(batch):
            _HANDLERS[kind](conn, group, backlog)


class Committer(Protocol):
    """Commits the writer's batches (one transaction each)."""

    def start(self) -> None:
        """Get ready to commit (before the writer's thread starts)."""
        ...

    def commit(self, batch: Sequence[Record], backlog: tuple[int, int]) -> None:
        """Commit ``batch`` or raise (see :func:`is_permanent`)."""
        ...

    def close(self, *, idle: bool) -> None:
        """Release resources; ``idle``: no ``commit`` is running in another thread."""
        ...


class InlineCommitter:
    """Commits in the calling thread with the writer's engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self) -> None:
        """Nothing to prepare."""

    def commit(self, batch: Sequence[Record], backlog: tuple[int, int]) -> None:
        """Commit ``batch`` here."""
        commit_batch(self._engine, batch, backlog)

    def close(self, *, idle: bool) -> None:
        """Nothing to release: the engine belongs to the caller."""


class ProcessCommitter:
    """Commits in a child process with its own engine on ``url``.

    Only one thread may call :meth:`commit` at a time (the writer's thread does).
    """

    def __init__(self, url: URL) -> None:
        database = url.database or ""
        if url.get_backend_name() == "sqlite" and (not database or database == ":memory:"):
            raise ConfigError("an in-memory SQLite store cannot be written from another process")
        self._url = url.render_as_string(hide_password=False)
        # spawn, not fork: the parent runs threads (the event loop's, the writer's, the API's
        # workers), and a fork would copy their locks in whatever state they are.
        self._context = multiprocessing.get_context("spawn")
        self._pipe: Pipe | None = None
        self._process: BaseProcess | None = None
        #: Child processes started so far (a restart after a crash adds one).
        self.started = 0

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before it started or after it stopped)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child now: it imports the store's code (about a second, more under load)
        while the service starts, rather than when the first batch is due."""
        if self._pipe is None:
            self._start()

    def commit(self, batch: Sequence[Record], backlog: tuple[int, int]) -> None:
        """Send ``batch`` to the child (a new one if the last died) and wait, without the GIL,
        for its outcome."""
        pipe = self._pipe if self._pipe is not None else self._start()
        try:
            pipe.send((list(batch), backlog))
            outcome: tuple[bool, str] | None = pipe.recv()
        except (EOFError, OSError) as exc:
            self._reap()
            raise CommitFailed(f"the store's writer process stopped ({exc!r})") from None
        if outcome is not None:
            permanent, reason = outcome
            raise CommitRefused(reason) if permanent else CommitFailed(reason)

    def close(self, *, idle: bool) -> None:
        """Let the child finish and exit (``idle``), else stop it: a batch it was writing is
        still in the writer's spill file, and replaying it is harmless (writes are idempotent)."""
        process, pipe = self._process, self._pipe
        if process is None or pipe is None:
            return
        if idle:
            with contextlib.suppress(OSError):
                pipe.send(None)
            process.join(_CHILD_EXIT_S)
        if process.is_alive():
            process.terminate()
            process.join(_CHILD_EXIT_S)
        self._reap()

    def _start(self) -> Pipe:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child, self._url), name="quantum-store-committer", daemon=True
        )
        process.start()
        child.close()  # the child holds its end: our recv sees EOF if it dies
        self._pipe, self._process = parent, process
        self.started += 1
        return parent

    def _reap(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(_CHILD_EXIT_S)
            if self._process.exitcode not in (0, None):
                log.warning("store writer process exited with code %s", self._process.exitcode)
        self._pipe = self._process = None


#: How much lower the child's CPU priority is than the service's (``nice`` increment).
_CHILD_NICENESS = 5


def _serve(pipe: Pipe, url: str) -> None:
    """The child: commit each batch received, answer ``None`` or ``(permanent, reason)``."""
    from quantum.store.db import create_store_engine

    # Ctrl-C reaches the whole process group: the parent shuts down gracefully and still has
    # batches to hand over, so the child must not die of it (the parent ends it with ``None``).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Commits are not latency-critical (the writer's backlog absorbs a delay; it is bounded and
    # spilled), the engine loop and its pushes are: at a lower CPU priority the child yields a
    # core to them whenever the machine is busy. On the 2-core VM this halved the push p50 at 200
    # clients (3.4 -> 1.8 ms, 5 alternating pairs; docs/service.md).
    os.nice(_CHILD_NICENESS)

    engine = create_store_engine(url)
    try:
        while True:
            try:
                item = pipe.recv()
            except EOFError:
                return  # the parent is gone
            if item is None:
                return
            batch, backlog = item
            try:
                commit_batch(engine, batch, backlog)
            except Exception as exc:
                pipe.send((is_permanent(exc), describe_failure(exc)))
            else:
                pipe.send(None)
    finally:
        engine.dispose()


def _groups(batch: Sequence[Record]) -> list[tuple[str, list[Any]]]:
    """Group events by kind for executemany, keeping order within a kind.

    Engine-state saves are barriers: events before one are written before it, events after it
    after, since a save marks positions it no longer holds as closed.
    """
    out: list[tuple[str, list[Any]]] = []
    current: dict[str, list[Any]] = {}
    for record in batch:
        if isinstance(record, EngineStateRecord):
            out.extend(current.items())
            current = {}
            out.append((record.kind, [record]))
        else:
            current.setdefault(record.kind, []).append(record)
    out.extend(current.items())
    return out


def _save_states(conn: Connection, records: list[EngineStateRecord], _b: tuple[int, int]) -> None:
    from quantum.store.recovery import save_engine_state

    for r in records:
        save_engine_state(conn, r.account_id, r.state)


_Handler = Callable[[Connection, list[Any], tuple[int, int]], None]

_HANDLERS: dict[str, _Handler] = {
    FillRecord.kind: lambda c, rs, _b: record_fills(c, rs),
    TradeRecord.kind: lambda c, rs, _b: record_trades(c, rs),
    PositionRecord.kind: lambda c, rs, _b: record_positions(c, rs),
    SignalRecord.kind: lambda c, rs, _b: record_signals(c, rs),
    EquityRecord.kind: lambda c, rs, _b: record_equity(c, rs),
    MarketSnapshotRecord.kind: lambda c, rs, _b: record_market_snapshots(c, rs),
    StatusRecord.kind: lambda c, rs, b: record_status(
        c, rs, store_backlog=b[0], store_spilled=b[1]
    ),
    EngineStateRecord.kind: _save_states,
}
