"""The store writer: batches the runtime's events into transactions and loses none of them.

``submit`` is thread-safe and never blocks on the database, so the asyncio runtime can call it from
its event loop; a background thread commits events in order, in batches, one transaction each.

Events wait in memory (up to ``max_memory``; beyond it they go to an append-only spill file on
local disk). When a write fails for lack of a database, memory is moved to the spill file at once
and new events go there too, so a crash during an outage loses nothing; writing is retried with
exponential backoff, and once the database is back the spill file drains in order before memory
is used again. (A crash while the database is up can lose only events not yet committed — the
batch in flight and what arrived during it; engine state is restored from the store, see
``recovery.py``.) Every event carries an idempotency key, so a batch retried after an
ambiguous failure (the commit reached the server but the reply did not) creates no duplicates.

An event the database refuses for itself (a constraint violation) is isolated by retrying the batch
one event at a time and the culprit goes to a dead-letter file with the error — kept, counted in
``stats()``, never silently dropped. ``close()`` spills whatever could not be written, and the next
writer on the same directory replays it first.

The backlog (events not yet committed) is visible in ``stats()`` and stamped on every system
status row the writer stores.

With ``out_of_process=True`` (the service's choice) the transactions run in a child process
(:mod:`quantum.store.committer`): the writer thread only hands each batch over a pipe and waits,
without the GIL, so building SQL never holds up the event loop's thread. Batching, order, retries,
spilling and dead letters stay here, unchanged; a child that dies is a failed write like a lost
connection (retried, then a new child).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

from quantum.config import Settings, get_settings
from quantum.errors import DataError, StoreError
from quantum.store.committer import (
    Committer,
    InlineCommitter,
    ProcessCommitter,
    describe_failure,
    is_permanent,
)
from quantum.store.db import Store
from quantum.store.records import RECORD_TYPES, Record, record_to_json
from quantum.store.spool import Spool

__all__ = ["StoreWriter", "WriterStats", "default_spool_dir"]

log = logging.getLogger(__name__)

_RECORD_CLASSES = tuple(RECORD_TYPES.values())


@dataclass(frozen=True, slots=True)
class WriterStats:
    """A snapshot of the writer's counters."""

    #: Events accepted by ``submit`` (plus those found in a spill file at start).
    submitted: int
    #: Events committed to the database.
    written: int
    #: Events waiting in memory (including the batch being written).
    in_memory: int
    #: Events waiting in the spill file.
    spilled: int
    #: Events refused by the database and kept in the dead-letter file.
    dead_letters: int
    #: Failed write attempts so far (each followed by a backoff).
    retries: int
    #: Whether the last write attempt reached the database.
    connected: bool
    last_error: str | None

    @property
    def backlog(self) -> int:
        """Events accepted but not yet committed."""
        return self.in_memory + self.spilled


def default_spool_dir(settings: Settings | None = None) -> Path:
    """Where the writer keeps its spill and dead-letter files: ``<data_dir>/store-spool``."""
    return (settings or get_settings()).data_dir / "store-spool"


class StoreWriter:
    """Batching, retrying, spilling writer of runtime events (see the module docstring)."""

    def __init__(
        self,
        target: Engine | Store,
        spool_dir: Path,
        *,
        batch_size: int = 2000,
        max_memory: int = 100_000,
        backoff_initial: float = 0.05,
        backoff_max: float = 5.0,
        start: bool = True,
        out_of_process: bool = False,
    ) -> None:
        if batch_size < 1 or max_memory < batch_size:
            raise ValueError("need 1 <= batch_size <= max_memory")
        self._engine = target.engine if isinstance(target, Store) else target
        self._committer: Committer = (
            ProcessCommitter(self._engine.url) if out_of_process else InlineCommitter(self._engine)
        )
        self._batch_size = batch_size
        self._max_memory = max_memory
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        spool_dir.mkdir(parents=True, exist_ok=True)
        self.dead_letter_path = spool_dir / "dead-letter.jsonl"
        self._spool = Spool(spool_dir / "spill.jsonl", self.dead_letter_path)
        self._cond = threading.Condition()
        self._mem: deque[Record] = deque()
        # Once anything is in the spill file, new events go there too until it is drained: the
        # file holds events newer than memory, and order must be kept.
        self._spilling = bool(self._spool)
        self._submitted = self._spool.pending
        self._done = 0
        self._written = 0
        self._dead = 0
        self._retries = 0
        self._connected = True
        self._last_error: str | None = None
        self._isolate = 0
        # Per record kind, the number of the write that last made one final (committed, or
        # refused for good): read caches compare it to tell whether a table they read changed.
        self._writes = 0
        self._last_write_of: dict[str, int] = {}
        self._closed = False
        self._stopping = False
        self._finalized = False
        self._detached = False
        self._thread = threading.Thread(target=self._run, name="quantum-store-writer", daemon=True)
        if self._spilling:
            log.warning(
                "replaying %d spilled events from %s", self._spool.pending, self._spool.path
            )
        if start:
            self.start()

    # ----------------------------------------------------------------------------- public API

    def start(self) -> None:
        """Start the background thread (done by the constructor unless ``start=False``)."""
        if not self._thread.is_alive():
            self._committer.start()
            self._thread.start()

    def committed_version(self, *kinds: type[Record]) -> int:
        """A number that grows each time events of one of ``kinds`` become final in the store.

        Read it before reading the tables those events write: while it stays the same, a new
        read would see what that one saw (this process's writer is the only writer of runtime
        events). Cheap and lock-free, for request paths.
        """
        last = self._last_write_of
        return max((last.get(k.kind, 0) for k in kinds), default=0)

    def submit(self, record: Record) -> None:
        """Queue one event; never blocks on the database. ``DataError`` for a non-record."""
        self.submit_many((record,))

    def submit_many(self, records: Iterable[Record]) -> None:
        """Queue events in order; never blocks on the database."""
        batch = list(records)
        for r in batch:
            if not isinstance(r, _RECORD_CLASSES):
                raise DataError(f"not a store record: {type(r).__name__}")
        with self._cond:
            if self._closed:
                raise StoreError("the store writer is closed")
            room = 0 if self._spilling else max(0, self._max_memory - len(self._mem))
            self._mem.extend(batch[:room])
            if len(batch) > room:
                if not self._spilling:
                    log.warning(
                        "store backlog reached %d events; spilling to %s",
                        len(self._mem),
                        self._spool.path,
                    )
                self._spilling = True
                self._spool.append(batch[room:])
            self._submitted += len(batch)
            self._cond.notify_all()

    def stats(self) -> WriterStats:
        """Current counters (cheap; safe from any thread)."""
        with self._cond:
            return self._stats_locked()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every event submitted before this call is committed (or dead-lettered).

        Returns False if ``timeout`` (seconds) passed first — e.g. the database is still down.
        """
        with self._cond:
            target = self._submitted
            return self._cond.wait_for(
                lambda: self._done >= target or self._finalized, timeout
            ) and (self._done >= target)

    async def aflush(self, timeout: float | None = None) -> bool:
        """``flush`` for asyncio code (waits in a worker thread, not on the event loop)."""
        return await asyncio.to_thread(self.flush, timeout)

    def close(self, timeout: float = 10.0) -> WriterStats:
        """Stop accepting events, write what can be written within ``timeout``, spill the rest.

        Nothing is lost: events still unwritten are saved in the spill file, which the next writer
        on the same directory replays before anything else.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._finalized:
                return self._stats_locked()
            self._closed = True
            self._stopping = True
            self._cond.notify_all()
            self._cond.wait_for(
                lambda: not self._mem and not self._spool, max(0.0, deadline - time.monotonic())
            )
            self._finalized = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(max(0.1, deadline - time.monotonic()))
        self._committer.close(idle=not self._thread.is_alive())
        with self._cond:
            # A thread still stuck in a database call must not touch the queues any more; if its
            # write commits after all, replaying the spilled copy is harmless (idempotent).
            self._detached = True
            if self._mem:
                # Memory is older than the spill file: put it in front.
                self._spool.rewrite_with_head(list(self._mem))
                log.warning(
                    "store writer closed with %d unwritten events spilled to %s",
                    len(self._mem),
                    self._spool.path,
                )
                self._mem.clear()
            self._spool.close()
            return self._stats_locked()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------------ internals

    def _stats_locked(self) -> WriterStats:
        return WriterStats(
            submitted=self._submitted,
            written=self._written,
            in_memory=len(self._mem),
            spilled=self._spool.pending,
            dead_letters=self._dead + self._spool.quarantined,
            retries=self._retries,
            connected=self._connected,
            last_error=self._last_error,
        )

    def _next_batch(self) -> tuple[list[Record], int, int, bool] | None:
        """Under the lock: the next batch (events, lines, offset, from_spool); None to exit."""
        while not self._mem and not self._spool:
            if self._stopping or self._finalized:
                return None
            self._cond.wait()
        if self._finalized:
            return None
        limit = 1 if self._isolate else self._batch_size
        if self._mem:
            batch = list(itertools.islice(self._mem, limit))
            return batch, len(batch), 0, False
        events, lines, offset = self._spool.peek(limit)
        return events, lines, offset, True

    def _run(self) -> None:
        attempt = 0
        while True:
            with self._cond:
                nxt = self._next_batch()
                if nxt is None:
                    return
                batch, lines, offset, from_spool = nxt
                backlog = (len(self._mem) + self._spool.pending, self._spool.pending)
                single = self._isolate > 0
            dead: str | None = None
            try:
                self._write(batch, backlog)
            except Exception as exc:
                if is_permanent(exc) and not single:
                    log.error(
                        "store refused a batch (%s); retrying it event by event",
                        describe_failure(exc),
                    )
                    with self._cond:
                        self._isolate = len(batch)
                    continue
                if is_permanent(exc):
                    dead = describe_failure(exc)
                else:
                    delay = min(self._backoff_max, self._backoff_initial * 2**attempt)
                    attempt += 1
                    with self._cond:
                        self._retries += 1
                        self._connected = False
                        self._last_error = describe_failure(exc)
                        if attempt == 1 or attempt % 20 == 0:
                            log.warning(
                                "store write failed (attempt %d, backlog %d): %s; retry in %.2fs",
                                attempt,
                                backlog[0],
                                self._last_error,
                                delay,
                            )
                        if self._mem and not self._detached:
                            # The database is away: move what memory holds to disk (in front
                            # of the file: it is older), so a crash during the outage loses
                            # nothing. New events go to the file until it is drained.
                            self._spool.rewrite_with_head(list(self._mem))
                            self._mem.clear()
                            self._spilling = True
                        self._spool.sync()
                        self._cond.wait_for(lambda: self._finalized, delay)
                    continue
            attempt = 0
            with self._cond:
                if self._detached:
                    return  # close() gave up waiting and already spilled this batch
                self._writes += 1
                for kind in {r.kind for r in batch}:
                    self._last_write_of[kind] = self._writes
                if dead is not None:
                    self._dead_letter(batch, dead)
                else:
                    self._written += len(batch)
                    if not self._connected:
                        log.info("store reachable again; draining a backlog of %d", backlog[0])
                    self._connected = True
                    self._last_error = None
                if self._isolate:
                    self._isolate -= 1
                if from_spool:
                    self._spool.consume(lines, offset)
                    if not self._spool:
                        self._spilling = False
                else:
                    for _ in range(lines):
                        self._mem.popleft()
                self._done += lines
                self._cond.notify_all()

    def _dead_letter(self, batch: Sequence[Record], error: str) -> None:
        log.error(
            "store refused %d event(s) for good (%s); kept in %s",
            len(batch),
            error,
            self.dead_letter_path,
        )
        with self.dead_letter_path.open("a", encoding="utf-8") as fh:
            for r in batch:
                fh.write(
                    json.dumps({"error": error, "event": json.loads(record_to_json(r))}) + "\n"
                )
        self._dead += len(batch)

    def _write(self, batch: Sequence[Record], backlog: tuple[int, int]) -> None:
        if batch:
            self._committer.commit(batch, backlog)
