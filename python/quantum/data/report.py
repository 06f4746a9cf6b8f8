"""The account of one load: rows kept, lines skipped, and where the first bad lines were."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

__all__ = ["MAX_REPORTED_ERRORS", "LoadReport"]

MAX_REPORTED_ERRORS: Final[int] = 20
"""How many malformed lines a report keeps verbatim; the rest are only counted."""


@dataclass
class LoadReport:
    """What a loader did with its input.

    Loaders never stop on a bad line: they skip it, count it in ``malformed`` and keep the first
    :data:`MAX_REPORTED_ERRORS` as ``(line_no, message)`` in ``first_errors``. Line numbers are
    1-based physical lines of the decompressed file (the header is line 1); for Parquet they are
    1-based row numbers. ``ignored`` counts well-formed records of a kind the loader does not map
    (an unknown event type, say), and ``rows`` the records it produced.
    """

    source: str = ""
    rows: int = 0
    malformed: int = 0
    ignored: int = 0
    first_errors: list[tuple[int, str]] = field(default_factory=list)
    #: ns the receive times were moved later because the capture's clock ran behind the
    #: exchange's (see ``FeedChunk.with_receive_clock_aligned``); 0 when it did not.
    receive_clock_shift_ns: int = 0

    def add_error(self, line_no: int, message: str) -> None:
        """Count one malformed line and keep its message if there is room."""
        self.malformed += 1
        if len(self.first_errors) < MAX_REPORTED_ERRORS:
            self.first_errors.append((line_no, message))

    @property
    def clean(self) -> bool:
        """True when no line was malformed."""
        return self.malformed == 0

    def summary(self) -> str:
        """A one-line human summary, with the first error if any."""
        text = (
            f"{self.source}: {self.rows} rows, {self.malformed} malformed, {self.ignored} ignored"
        )
        if self.first_errors:
            line_no, message = self.first_errors[0]
            text += f"; first error at line {line_no}: {message}"
        return text
