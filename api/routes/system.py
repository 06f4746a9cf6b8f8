"""Health, status, Prometheus metrics, engine start/stop, streams, live-trading switch."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from api.deps import AdminUser, CurrentUser, ServiceDep
from api.schemas import (
    ErrorOut,
    Health,
    LiveTradingIn,
    LiveTradingOut,
    StreamIn,
    StreamOut,
    SystemStatus,
)
from quantum import DISCLAIMER, __version__
from quantum.store.repositories.credentials import list_credentials

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", response_model=Health)
async def health(service: ServiceDep) -> Health:
    """Liveness for operators (no auth)."""
    return Health(
        status="ok", version=__version__, engine="running" if service.runtime.running else "stopped"
    )


@router.get("/status", response_model=SystemStatus)
async def system_status(service: ServiceDep, _user: CurrentUser) -> SystemStatus:
    """Ticks, signals, trades, engine state, feed, latency, writer backlog."""
    return SystemStatus.model_validate(service.runtime.status())


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(service: ServiceDep, _admin: AdminUser) -> Response:
    """Prometheus text format."""
    rt = service.runtime
    st = rt.status()
    ws = service.writer.stats()
    lines = [
        "# HELP quantum_ticks_processed_total Ticks run through the engines.",
        "# TYPE quantum_ticks_processed_total counter",
        f"quantum_ticks_processed_total {st['ticks_processed']}",
        "# TYPE quantum_ticks_rejected_total counter",
        f"quantum_ticks_rejected_total {st['ticks_rejected']}",
        "# TYPE quantum_signals_total counter",
        f"quantum_signals_total {st['signals']}",
        "# TYPE quantum_trades_total counter",
        f"quantum_trades_total {st['trades']}",
        "# TYPE quantum_engine_running gauge",
        f"quantum_engine_running {1 if rt.running else 0}",
        "# TYPE quantum_feed_connected gauge",
        f"quantum_feed_connected {1 if st['feed_connected'] else 0}",
        "# TYPE quantum_writer_backlog gauge",
        f"quantum_writer_backlog {ws.backlog}",
        "# TYPE quantum_writer_written_total counter",
        f"quantum_writer_written_total {ws.written}",
        "# TYPE quantum_writer_dead_letters_total counter",
        f"quantum_writer_dead_letters_total {ws.dead_letters}",
        "# TYPE quantum_ws_clients gauge",
        f"quantum_ws_clients {rt.bus.clients}",
        "# HELP quantum_ws_dropped_total Pushed messages dropped because their client was slow.",
        "# TYPE quantum_ws_dropped_total counter",
        f"quantum_ws_dropped_total {rt.bus.dropped}",
        "# TYPE quantum_ws_resyncs_total counter",
        f"quantum_ws_resyncs_total {rt.bus.resyncs}",
        "# HELP quantum_stage_latency_seconds Per-stage latency over recent samples.",
        "# TYPE quantum_stage_latency_seconds summary",
    ]
    for stage, window in rt.latency.items():
        p50, p99 = window.percentiles(50, 99)
        lines.append(
            f'quantum_stage_latency_seconds{{stage="{stage}",quantile="0.5"}} {p50 / 1e9:.9f}'
        )
        lines.append(
            f'quantum_stage_latency_seconds{{stage="{stage}",quantile="0.99"}} {p99 / 1e9:.9f}'
        )
    return Response("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


@router.post("/engine/start", response_model=SystemStatus)
async def engine_start(service: ServiceDep, _admin: AdminUser) -> SystemStatus:
    """Resume trading on the feed."""
    return SystemStatus.model_validate(service.runtime.set_running(True))


@router.post("/engine/stop", response_model=SystemStatus)
async def engine_stop(service: ServiceDep, _admin: AdminUser) -> SystemStatus:
    """Stop trading (ticks are not traded on until started again)."""
    return SystemStatus.model_validate(service.runtime.set_running(False))


async def _stream(service: ServiceDep, body: StreamIn, running: bool) -> StreamOut:
    try:
        return StreamOut.model_validate(
            service.runtime.set_stream(body.exchange, body.symbol, running)
        )
    except KeyError:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no stream {body.exchange}/{body.symbol}: this service's feed is "
            f"{service.runtime.feed.exchange} ({', '.join(service.runtime.symbols)})",
        ) from None


@router.post("/streams/start", response_model=StreamOut, responses={404: {"model": ErrorOut}})
async def stream_start(body: StreamIn, service: ServiceDep, _admin: AdminUser) -> StreamOut:
    """Resume one symbol's stream (admin)."""
    return await _stream(service, body, True)


@router.post("/streams/stop", response_model=StreamOut, responses={404: {"model": ErrorOut}})
async def stream_stop(body: StreamIn, service: ServiceDep, _admin: AdminUser) -> StreamOut:
    """Pause one symbol's stream (admin)."""
    return await _stream(service, body, False)


@router.put(
    "/settings/live-trading", response_model=LiveTradingOut, responses={409: {"model": ErrorOut}}
)
def live_trading(body: LiveTradingIn, service: ServiceDep, admin: AdminUser) -> LiveTradingOut:
    """Live trading switch: needs stored credentials, and this build only paper-trades."""
    if body.enabled:
        with service.store.session() as session:
            has = bool(list_credentials(session, admin.id))
        if not has:
            raise HTTPException(status.HTTP_409_CONFLICT, "store exchange credentials first")
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "live trading is not wired into this service: it runs the paper broker only",
        )
    service.live_trading = False
    return LiveTradingOut(enabled=False, disclaimer=DISCLAIMER)
