"""One mapping from ccxt's exception hierarchy to :mod:`quantum.errors`.

ccxt raises its own classes (``ccxt.InsufficientFunds``, ``ccxt.RateLimitExceeded``, …) after
translating each venue's error codes; adapters catch ``ccxt.BaseError`` at their edge and
re-raise ``map_ccxt_error(exc)`` so callers only ever see Quantum's typed errors.

Order placement is special: a request that timed out or died in flight may still have reached
the matching engine, so resending could double the position. Those failures become
:class:`~quantum.errors.OrderOutcomeUnknown` and must be reconciled (fetch the order by its
client id) before anything else is sent. Failures that prove the request was refused before it
was accepted (rate limit, bad nonce, maintenance) stay what they are.
"""

from __future__ import annotations

import ccxt

from quantum.errors import (
    AuthError,
    BadSymbol,
    ExchangeError,
    InsufficientFunds,
    NetworkError,
    OrderOutcomeUnknown,
    QuantumError,
    RateLimited,
)

__all__ = ["map_ccxt_error"]


def map_ccxt_error(exc: BaseException, *, placing_order: bool = False) -> QuantumError:
    """The :mod:`quantum.errors` exception for a ccxt exception.

    Args:
        exc: the exception ccxt raised.
        placing_order: True when ``exc`` came from an order-placing request; in-flight network
            failures then map to :class:`OrderOutcomeUnknown` instead of :class:`NetworkError`.

    Returns the new exception (the caller raises it ``from exc``). A ``QuantumError`` is
    returned unchanged; anything that is not a ccxt error becomes a generic
    :class:`ExchangeError` naming its type.
    """
    if isinstance(exc, QuantumError):
        return exc
    text = f"{type(exc).__name__}: {exc}"
    # Order matters: ccxt's classes nest (RateLimitExceeded, DDoSProtection, RequestTimeout,
    # OnMaintenance < NetworkError; BadSymbol < BadRequest < ExchangeError), so the most
    # specific checks come first.
    if isinstance(exc, ccxt.RateLimitExceeded | ccxt.DDoSProtection):
        return RateLimited(text)
    if isinstance(exc, ccxt.InvalidNonce | ccxt.OnMaintenance):
        # The venue refused the request before accepting it: safe to report as a network issue.
        return NetworkError(text)
    if isinstance(exc, ccxt.NetworkError):  # RequestTimeout, ExchangeNotAvailable, others
        if placing_order:
            return OrderOutcomeUnknown(text)
        return NetworkError(text)
    if isinstance(exc, ccxt.InsufficientFunds):
        return InsufficientFunds(text)
    if isinstance(exc, ccxt.BadSymbol):
        return BadSymbol(text)
    if isinstance(exc, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        return AuthError(text)
    return ExchangeError(text)
