"""Market data and exchanges."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import CurrentUser, ServiceDep
from api.schemas import ErrorOut, ExchangePublic, MarketPublic, PricePoint
from quantum.store.repositories.exchanges import list_exchanges

router = APIRouter(prefix="/api", tags=["market"])

Name = Annotated[str, Query(min_length=1, max_length=32)]


@router.get("/market", response_model=MarketPublic, responses={404: {"model": ErrorOut}})
async def market(
    service: ServiceDep, _user: CurrentUser, exchange: Name = "replay", symbol: Name = "BTCUSDT"
) -> MarketPublic:
    """Latest ticker, funding, open interest and top of book of a streamed symbol."""
    # When the runtime has no tick of the stream (just restarted, or a stream of an earlier
    # session) the answer is the newest stored market snapshot; its ``ts`` tells its age.
    rt = service.runtime
    if not rt.has_market(exchange, symbol):
        stored = await asyncio.to_thread(rt.stored_market, exchange, symbol)
        if stored is not None:
            return MarketPublic.model_validate(stored)
    try:
        return MarketPublic.model_validate(rt.market(exchange, symbol))
    except KeyError:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no stream {exchange}/{symbol}") from None


@router.get(
    "/market/history", response_model=list[PricePoint], responses={404: {"model": ErrorOut}}
)
async def market_history(
    service: ServiceDep,
    _user: CurrentUser,
    exchange: Name = "replay",
    symbol: Name = "BTCUSDT",
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> list[PricePoint]:
    """Sampled price history (oldest first)."""
    rt = service.runtime
    points: list[dict[str, object]] = []
    if not rt.has_market(exchange, symbol):
        # Before the stream's first tick (e.g. after a restart): the stored snapshots' prices.
        points = await asyncio.to_thread(rt.stored_market_history, exchange, symbol, limit)
    if not points:
        try:
            points = rt.market_history(exchange, symbol, limit)
        except KeyError:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no stream {exchange}/{symbol}"
            ) from None
    return [PricePoint.model_validate(p) for p in points]


@router.get("/exchanges", response_model=list[ExchangePublic])
def exchanges(service: ServiceDep, _user: CurrentUser) -> list[ExchangePublic]:
    """The embedded feed (``replay``) and the exchanges the adapters support."""
    rt = service.runtime
    out = [
        ExchangePublic(
            id=rt.feed.exchange,
            name=f"Embedded feed: {rt.feed.name}",
            type="swap",
            active=True,
            available=True,
            symbols=[s for s in rt.symbols if rt.active[s]],
        )
    ]
    with service.store.session() as session:
        for ex in list_exchanges(session):
            if ex.id == rt.feed.exchange:
                continue
            out.append(
                ExchangePublic(
                    id=ex.id,
                    name=ex.name,
                    type=str(ex.type),
                    active=False,
                    available=bool(ex.available),
                    symbols=[],
                )
            )
    return out
