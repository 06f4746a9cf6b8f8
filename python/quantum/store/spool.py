"""The writer's append-only spill file: events that could not be kept in memory, in order.

One JSON line per event (``records.record_to_json``). Lines are consumed from a read offset; the
file is removed once fully consumed. A torn last line (the process died mid-write) is skipped.
Replaying lines that were already written is harmless: every event is idempotent.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO

from quantum.errors import DataError
from quantum.store.records import Record, record_from_json, record_to_json

__all__ = ["Spool"]

log = logging.getLogger(__name__)


class Spool:
    """An append-only JSON-lines file with a read cursor. Not thread-safe: the writer locks it."""

    def __init__(self, path: Path, dead_letter: Path) -> None:
        self.path = path
        self._dead_letter = dead_letter
        self._out: IO[str] | None = None
        self._offset = 0  # byte offset of the first unconsumed line
        self.pending = 0  # unconsumed events
        self.quarantined = 0  # unreadable lines moved to the dead-letter file
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb+") as fh:
                data = fh.read()
                if data and not data.endswith(b"\n"):
                    # A torn last line (the process died mid-write): terminate it, so events
                    # appended now do not merge into it; reading it later quarantines it.
                    fh.write(b"\n")
                    data += b"\n"
            self.pending = data.count(b"\n")

    def __bool__(self) -> bool:
        return self.pending > 0

    def append(self, records: list[Record]) -> None:
        """Append events at the end (flushed to the OS at once, so a crash of Python keeps them)."""
        if self._out is None:
            self._out = self.path.open("a", encoding="utf-8")
        self._out.write("".join(record_to_json(r) + "\n" for r in records))
        self._out.flush()
        self.pending += len(records)

    def sync(self) -> None:
        """Make appended events durable (fsync)."""
        if self._out is not None:
            os.fsync(self._out.fileno())

    def peek(self, limit: int) -> tuple[list[Record], int, int]:
        """Up to ``limit`` events from the cursor: (events, lines consumed, new byte offset)."""
        events: list[Record] = []
        lines = 0
        if self._out is not None:
            self._out.flush()
        with self.path.open("rb") as fh:
            fh.seek(self._offset)
            offset = self._offset
            while len(events) < limit:
                raw = fh.readline()
                if not raw:
                    break
                if not raw.endswith(b"\n"):
                    break  # still being written (cannot happen under the writer's lock)
                offset += len(raw)
                lines += 1
                try:
                    events.append(record_from_json(raw.decode("utf-8")))
                except (DataError, UnicodeDecodeError) as exc:
                    self._quarantine(raw, str(exc))
        return events, lines, offset

    def consume(self, lines: int, offset: int) -> None:
        """Advance the cursor past what ``peek`` returned (after it was committed)."""
        self._offset = offset
        self.pending -= lines
        if self.pending <= 0:
            self.pending = 0
            self._remove()

    def rewrite_with_head(self, head: list[Record]) -> None:
        """Put ``head`` before the unconsumed events (on close: memory is older than the file)."""
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write("".join(record_to_json(r) + "\n" for r in head))
            if self.path.exists():
                if self._out is not None:
                    self._out.flush()
                with self.path.open("r", encoding="utf-8") as src:
                    src.seek(self._offset)
                    for line in src:
                        if line.endswith("\n"):
                            out.write(line)
            out.flush()
            os.fsync(out.fileno())
        self.close()
        os.replace(tmp, self.path)
        self._offset = 0
        with self.path.open("rb") as fh:
            self.pending = sum(1 for line in fh if line.endswith(b"\n"))

    def _quarantine(self, raw: bytes, error: str) -> None:
        log.error(
            "unreadable line in spill file %s moved to %s: %s", self.path, self._dead_letter, error
        )
        with self._dead_letter.open("ab") as fh:
            fh.write(raw if raw.endswith(b"\n") else raw + b"\n")
        self.quarantined += 1

    def _remove(self) -> None:
        self.close()
        self._offset = 0
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the append handle (the file stays)."""
        if self._out is not None:
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            self._out = None
