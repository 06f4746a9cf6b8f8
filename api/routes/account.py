"""Performance, equity curve, risk state and limits."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import orjson
from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import select

from api.deps import AdminUser, CurrentUser, Service, ServiceDep
from api.schemas import EquityPoint, ErrorOut, HeatCell, Performance, RiskLimits, RiskPublic
from quantum.runtime.accounts import d8
from quantum.store import TradeStatus
from quantum.store.models import Trade
from quantum.store.records import TradeRecord
from quantum.store.repositories.equity import equity_points
from quantum.store.repositories.performance import performance as perf

router = APIRouter(prefix="/api", tags=["account"])
_HEATMAP_TRADES = 20_000


@router.get("/performance", response_model=Performance)
async def performance(service: ServiceDep, user: CurrentUser) -> Response:
    """Win rate, P&L, profit factor, Sharpe, Sortino, drawdown, and P&L by weekday and hour."""
    capital = Decimal(str(service.runtime.config.initial_capital))
    # Computed from closed trades only: reused until the writer commits a trade.
    version = service.writer.committed_version(TradeRecord)
    key = ("performance", user.id, capital)
    body = await service.reads.get(key, version, lambda: _performance(service, user.id, capital))
    return Response(body, media_type="application/json")


def _performance(service: Service, user_id: int, capital: Decimal) -> bytes:
    with service.store.session() as session:
        m = perf(session, user_id, initial_equity=capital)
        rows = session.execute(
            select(Trade.exit_ts, Trade.pnl)
            .where(
                Trade.user_id == user_id,
                Trade.status == TradeStatus.CLOSED,
                Trade.backtest_run_id.is_(None),
            )
            .order_by(Trade.exit_ts.desc())
            .limit(_HEATMAP_TRADES)
        ).all()
    cells: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for exit_ts, pnl in rows:
        if exit_ts is None or pnl is None:
            continue
        at = datetime.fromtimestamp(exit_ts / 1e9, UTC)
        cells[(at.weekday(), at.hour)] += pnl
    return (
        Performance(
            total_trades=m.trades,
            win_rate=m.win_rate or 0.0,
            total_pnl=d8(m.total_pnl),
            profit_factor=m.profit_factor,
            sharpe=m.sharpe,
            sortino=m.sortino,
            max_drawdown_fraction=m.max_drawdown_pct,
            max_drawdown_amount=d8(m.max_drawdown),
            heatmap=[HeatCell(weekday=w, hour=h, pnl=d8(v)) for (w, h), v in sorted(cells.items())],
        )
        .model_dump_json()
        .encode()
    )


_CURVE_POINTS = 1000
_CURVE_POINTS_MAX = 10_000


@router.get("/equity", response_model=list[EquityPoint], responses={422: {"model": ErrorOut}})
async def equity(
    service: ServiceDep,
    user: CurrentUser,
    since: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**63 - 1,
            description="First timestamp (ns, inclusive); default: the first point",
        ),
    ] = None,
    until: Annotated[
        int | None,
        Query(ge=0, le=2**63 - 1, description="End timestamp (ns, exclusive); default: now"),
    ] = None,
    points: Annotated[
        int,
        Query(
            ge=2,
            le=_CURVE_POINTS_MAX,
            description="At most this many points, evenly thinned over the range",
        ),
    ] = _CURVE_POINTS,
) -> Response:
    """The paper account's equity curve, oldest first: at most ``points`` (2..10000, default
    1000) of the points sampled every status interval in ``[since, until)`` (default: the whole
    history). When more are stored the curve is thinned evenly over time: the first point, the
    newest point of each of ``points - 1`` equal time steps, so it always ends at the newest
    point. Without ``since``/``until`` it is served from the runtime's in-memory curve."""
    if since is not None and until is not None and until <= since:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "until must be after since")
    acct = service.runtime.accounts.get(user.id)
    if acct is None:
        return _points_response([])
    curve = service.runtime.equity_curve(user.id)
    if (
        since is None
        and until is None
        and curve is not None
        and (points <= curve.capacity or curve.complete)
    ):
        # The dashboard's call: no database, no thread hop.
        return Response(curve.encoded(points), media_type="application/json")
    account_id = acct.account_id

    def read() -> list[tuple[int, str]]:
        with service.store.session() as session:
            held, _ = equity_points(
                session, user.id, account_id, points=points, since_ts=since, until_ts=until
            )
        return [(ts, d8(eq)) for ts, eq in held]

    # The database is read off the event loop, which belongs to the engine.
    return _points_response(await asyncio.to_thread(read))


def _points_response(points: list[tuple[int, str]]) -> Response:
    """``[EquityPoint]`` as JSON, without a pydantic model per point (the values are already
    the API's types: integer nanoseconds and decimal strings)."""
    body = orjson.dumps([{"ts": ts, "equity": text} for ts, text in points])
    return Response(body, media_type="application/json")


@router.get("/risk", response_model=RiskPublic)
async def risk(service: ServiceDep, user: CurrentUser) -> RiskPublic:
    """DRB-Guard state and limits of the account."""
    return RiskPublic.model_validate(service.runtime.risk(user.id))


@router.post("/risk/reset", response_model=RiskPublic)
async def risk_reset(service: ServiceDep, admin: AdminUser) -> RiskPublic:
    """Lift the kill switch of every account (admin)."""
    service.runtime.reset_kill_switches()
    return RiskPublic.model_validate(service.runtime.risk(admin.id))


@router.put("/risk/limits", response_model=RiskPublic)
async def risk_limits(body: RiskLimits, service: ServiceDep, admin: AdminUser) -> RiskPublic:
    """New DRB-Guard limits for every account (admin)."""
    service.runtime.set_limits(body.config())
    return RiskPublic.model_validate(service.runtime.risk(admin.id))
