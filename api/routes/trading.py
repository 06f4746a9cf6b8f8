"""The account's trades, positions, signals, and the trading actions (paper, or live when the
account trades live: then a venue refusal comes back typed as 409/400/429 with its message)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from api.deps import CurrentUser, ServiceDep
from api.schemas import (
    ClosedOut,
    ErrorOut,
    OrderCreate,
    OrderOut,
    OrderPublic,
    PositionPublic,
    RejectedOut,
    SignalPage,
    SignalPublic,
    TradePage,
    TradePublic,
)
from quantum.errors import (
    AuthError,
    BadSymbol,
    DataError,
    ExchangeError,
    OrderError,
    RateLimited,
    RiskRejected,
)
from quantum.runtime.accounts import d8, trade_public
from quantum.store import SignalStatus, TradeStatus
from quantum.store.models import Position, Signal
from quantum.store.records import PositionRecord, SignalRecord, TradeRecord
from quantum.store.repositories.positions import list_positions
from quantum.store.repositories.trades import count_trades, list_trades

router = APIRouter(prefix="/api", tags=["trading"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Ts = Annotated[int | None, Query(ge=0, le=2**63 - 1)]
SymbolQ = Annotated[str | None, Query(min_length=1, max_length=32)]
_CSV_MAX = 100_000


def _trades(
    service: ServiceDep,
    user_id: int,
    symbol: str | None,
    status_: TradeStatus | None,
    since: int | None,
    until: int | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    with service.store.session() as session:
        kw: dict[str, Any] = {
            "symbol": symbol,
            "status": status_,
            "since_ts": since,
            "until_ts": until,
        }
        rows = list_trades(session, user_id, limit=limit, offset=offset, **kw)
        total = count_trades(session, user_id, **kw)
        return [trade_public(r, r.trade_uid) for r in rows], total


@router.get("/trades", response_model=TradePage)
async def trades(
    service: ServiceDep,
    user: CurrentUser,
    symbol: SymbolQ = None,
    status: Literal["OPEN", "CLOSED"] | None = None,
    since: Ts = None,
    until: Ts = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Response:
    """The account's trade log, newest first."""
    status_ = TradeStatus(status) if status else None

    def read() -> bytes:
        items, total = _trades(service, user.id, symbol, status_, since, until, limit, offset)
        page = TradePage(items=[TradePublic.model_validate(i) for i in items], total=total)
        return page.model_dump_json().encode()

    # Trades change only when the writer commits one: until then the page is reused.
    version = service.writer.committed_version(TradeRecord)
    key = ("trades", user.id, symbol, status_, since, until, limit, offset)
    return Response(await service.reads.get(key, version, read), media_type="application/json")


@router.get("/trades.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def trades_csv(
    service: ServiceDep,
    user: CurrentUser,
    symbol: SymbolQ = None,
    status: Literal["OPEN", "CLOSED"] | None = None,
    since: Ts = None,
    until: Ts = None,
) -> Response:
    """The filtered trade log as CSV (at most 100,000 rows)."""
    items, _ = _trades(
        service, user.id, symbol, TradeStatus(status) if status else None, since, until, _CSV_MAX, 0
    )
    out = io.StringIO()
    fields = list(TradePublic.model_fields)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for item in items:
        writer.writerow(item)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="trades.csv"'},
    )


def _closed_position(row: Position) -> dict[str, Any]:
    return {
        "id": f"{row.account_id}:{row.symbol}:{row.opened_ts}",
        "symbol": row.symbol,
        "side": str(row.side),
        "size": d8(row.qty),
        "entry_price": d8(row.entry_price),
        "current_price": None if row.current_price is None else d8(row.current_price),
        "unrealized_pnl": None if row.unrealized_pnl is None else d8(row.unrealized_pnl),
        "leverage": row.leverage,
        "liquidation_price": None if row.liquidation_price is None else d8(row.liquidation_price),
        "take_profit": None if row.take_profit is None else d8(row.take_profit),
        "stop_loss": None if row.stop_loss is None else d8(row.stop_loss),
        "opened_ts": row.opened_ts,
        "closed_ts": row.closed_ts,
    }


@router.get("/positions", response_model=list[PositionPublic])
async def positions(
    service: ServiceDep,
    user: CurrentUser,
    status: Literal["open", "closed"] = "open",
    limit: Limit = 100,
) -> list[PositionPublic]:
    """Open positions (live marks from the engine) or the history of closed ones."""
    if status == "open":
        acct = service.runtime.accounts.get(user.id)
        items = acct.positions_public() if acct else []
    else:

        def read() -> list[dict[str, Any]]:
            with service.store.session() as session:
                rows: Sequence[Position] = list_positions(
                    session, user.id, status=TradeStatus.CLOSED, limit=limit
                )
                return [_closed_position(r) for r in rows]

        version = service.writer.committed_version(PositionRecord)
        items = await service.reads.get(("positions", user.id, limit), version, read)
    return [PositionPublic.model_validate(i) for i in items]


def _signal_row(row: Signal) -> dict[str, Any]:
    return {
        "id": row.signal_uid,
        "symbol": row.symbol,
        "side": str(row.side),
        "price": d8(row.price),
        "confidence": row.confidence,
        "strategy": row.strategy,
        "reason": row.reason,
        "status": str(row.status),
        "ts": row.ts_event,
    }


@router.get("/signals", response_model=SignalPage)
async def signals(
    service: ServiceDep,
    user: CurrentUser,
    status: Literal["PENDING", "EXECUTED", "EXPIRED", "REJECTED"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SignalPage:
    """Signals, newest first. PENDING ones come from the engine (live), the rest from the store."""
    acct = service.runtime.accounts.get(user.id)
    if status == "PENDING":
        pending = sorted(acct.pending.values(), key=lambda s: s.ts, reverse=True) if acct else []
        page = [s.public() for s in pending[offset : offset + limit]]
        return SignalPage(items=[SignalPublic.model_validate(p) for p in page], total=len(pending))

    def read() -> tuple[list[dict[str, Any]], int]:
        with service.store.session() as session:
            stmt = select(Signal).where(Signal.user_id == user.id)
            count = select(func.count()).select_from(Signal).where(Signal.user_id == user.id)
            if status is not None:
                stmt = stmt.where(Signal.status == SignalStatus(status))
                count = count.where(Signal.status == SignalStatus(status))
            rows = session.scalars(
                stmt.order_by(Signal.ts_event.desc(), Signal.id.desc()).limit(limit).offset(offset)
            ).all()
            return [_signal_row(r) for r in rows], int(session.scalar(count) or 0)

    version = service.writer.committed_version(SignalRecord)
    key = ("signals", user.id, status, limit, offset)
    items, total = await service.reads.get(key, version, read)
    if acct is not None:
        # The store may lag the engine by a batch: show the engine's view of each signal.
        live = {**acct.pending}
        items = [live[i["id"]].public() if i["id"] in live else i for i in items]
    return SignalPage(items=[SignalPublic.model_validate(i) for i in items], total=total)


def _rejected(exc: RiskRejected) -> JSONResponse:
    reason = str(getattr(exc, "reason", "") or "rejected")
    return JSONResponse(
        {"detail": f"DRB-Guard refused the order: {reason}", "reason": reason},
        status_code=status.HTTP_409_CONFLICT,
    )


_ORDER_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"model": RejectedOut},
    400: {"model": ErrorOut},
    404: {"model": ErrorOut},
    429: {"model": ErrorOut},
}


def _venue_error(exc: ExchangeError | AuthError) -> HTTPException:
    """A live order's venue failure as an HTTP error with the venue's message."""
    if isinstance(exc, RateLimited):
        code = status.HTTP_429_TOO_MANY_REQUESTS
    elif isinstance(exc, BadSymbol):
        code = status.HTTP_400_BAD_REQUEST
    else:
        code = status.HTTP_409_CONFLICT
    return HTTPException(code, str(exc))


@router.post("/signals/{signal_id}/execute", response_model=OrderOut, responses=_ORDER_RESPONSES)
async def execute_signal(
    signal_id: Annotated[str, Path(min_length=1, max_length=64)],
    service: ServiceDep,
    user: CurrentUser,
) -> OrderOut | JSONResponse:
    """Execute a pending signal: an order through DRB-Guard (409 with the reason if refused),
    paper or, when the account trades live, on the venue."""
    rt = service.runtime
    if rt.pending_signal(user.id, signal_id) is None:
        if rt.signal_known(user.id, signal_id):
            raise HTTPException(status.HTTP_409_CONFLICT, "the signal is not pending")
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such signal")
    try:
        order, signal = await rt.execute_signal(user.id, signal_id)
    except RiskRejected as exc:
        return _rejected(exc)
    except (OrderError, DataError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except (ExchangeError, AuthError) as exc:
        raise _venue_error(exc) from None
    return OrderOut(
        order=OrderPublic.model_validate(order), signal=SignalPublic.model_validate(signal)
    )


@router.post("/orders", response_model=OrderOut, responses=_ORDER_RESPONSES)
async def open_order(
    body: OrderCreate, service: ServiceDep, user: CurrentUser
) -> OrderOut | JSONResponse:
    """A manual entry through DRB-Guard: paper (fills on the symbol's next tick) or, when the
    account trades live, a market order on the venue."""
    try:
        order = await service.runtime.place_order(
            user.id, body.symbol, body.side, body.qty, body.leverage
        )
    except RiskRejected as exc:
        return _rejected(exc)
    except DataError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    except OrderError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except (ExchangeError, AuthError) as exc:
        raise _venue_error(exc) from None
    return OrderOut(order=OrderPublic.model_validate(order))


@router.post(
    "/positions/{symbol}/close",
    response_model=ClosedOut,
    status_code=202,
    responses={
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
        400: {"model": ErrorOut},
        429: {"model": ErrorOut},
    },
)
async def close_position(
    symbol: Annotated[str, Path(min_length=1, max_length=32)],
    service: ServiceDep,
    user: CurrentUser,
) -> ClosedOut:
    """Close the account's position in ``symbol`` on its next tick (live: a reduce-only order
    on the venue first; the paper mirror closes once the venue took it)."""
    try:
        order = await service.runtime.close(user.id, symbol)
    except (KeyError, DataError):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no open position in {symbol}") from None
    except OrderError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except (ExchangeError, AuthError) as exc:
        raise _venue_error(exc) from None
    live = None if order is None else order.get("live")
    return ClosedOut(symbol=symbol, live=live)
