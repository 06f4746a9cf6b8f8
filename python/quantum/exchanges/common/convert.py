"""Small, exact conversions shared by the venue parsers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from quantum.errors import DataError

__all__ = [
    "NS_PER_MS",
    "FloatCache",
    "levels",
    "levels_with_text",
    "ms_to_ns",
    "native_errors",
    "opt_float",
    "seconds_text_to_ns",
]

NS_PER_MS = 1_000_000
_NS_PER_S = 1_000_000_000

P = ParamSpec("P")
R = TypeVar("R")


class FloatCache(dict[str, float]):
    """Memoized ``float(text)`` for venue number strings: ``cache[text]``.

    Book and quote streams repeat the same price and size strings over and over (a level is
    updated many times), and a dict hit costs a fraction of parsing the string again. The cache
    is bounded: :meth:`trim` empties it once it holds more than ``limit`` strings, so a
    long-running feed cannot grow it without end. Results are identical to ``float(text)``.
    """

    def __init__(self, limit: int = 200_000) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, text: str) -> float:
        value = self[text] = float(text)
        return value

    def trim(self) -> None:
        """Empty the cache if it has outgrown its limit (call once per message, not per level)."""
        if len(self) > self.limit:
            self.clear()


def ms_to_ns(ms: int | str) -> int:
    """Epoch milliseconds (int or decimal string, as venues send them) to epoch nanoseconds."""
    return int(ms) * NS_PER_MS


def seconds_text_to_ns(text: str) -> int:
    """Epoch seconds written as a decimal string (``"1618678123.481570"``) to nanoseconds.

    Parsed digit by digit rather than through ``float`` so microsecond stamps stay exact.
    """
    whole, _, frac = text.partition(".")
    if len(frac) > 9 or not whole.isdigit() or (frac and not frac.isdigit()):
        raise DataError(f"not an epoch-seconds string: {text!r}")
    return int(whole) * _NS_PER_S + int(frac.ljust(9, "0") or "0")


def opt_float(value: Any) -> float | None:
    """A venue number (string or number) as float; ``None`` / empty string stay ``None``."""
    if value is None or value == "":
        return None
    return float(value)


def levels(raw: list[list[Any]]) -> list[tuple[float, float]]:
    """``[[price, qty, ...], ...]`` (strings or numbers) to ``[(price, qty), ...]`` floats."""
    return [(float(lv[0]), float(lv[1])) for lv in raw]


def levels_with_text(
    raw: list[list[Any]],
) -> tuple[list[tuple[float, float]], list[tuple[str, str]]]:
    """Like :func:`levels`, also keeping the price and size strings exactly as sent."""
    text = [(str(lv[0]), str(lv[1])) for lv in raw]
    return [(float(p), float(q)) for p, q in text], text


def native_errors(venue: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a parser so malformed venue JSON raises :class:`DataError`, naming the venue.

    Parsers index venue JSON directly (fast, and a missing key is a real error); this turns the
    resulting ``KeyError`` / ``TypeError`` / ``ValueError`` / ``IndexError`` into one typed error.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except DataError:
                raise
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise DataError(
                    f"{venue}: malformed message for {fn.__name__}: {type(exc).__name__}: {exc}"
                ) from exc

        return wrapper

    return decorate
