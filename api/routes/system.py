"""Health, status, Prometheus metrics, engine start/stop, streams, live-trading switch."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Response, status

from api.auth import SessionUser
from api.deps import AdminUser, CurrentUser, Service, ServiceDep
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
from quantum.errors import AuthError, ConfigError, DataError
from quantum.exchanges.common.live_broker import LiveBroker, LiveSettings, create_live_broker
from quantum.runtime.venues import VENUES, execution_client, venue_config
from quantum.store.crypto import CredentialCipher
from quantum.store.repositories.credentials import ExchangeSecrets, load_exchange_secrets

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
        "# HELP quantum_book_gaps_total Sequence gaps our book check found on the exchange feed.",
        "# TYPE quantum_book_gaps_total counter",
        f"quantum_book_gaps_total {(st.get('feed_status') or {}).get('gaps', 0)}",
        "# TYPE quantum_book_checksum_failures_total counter",
        "quantum_book_checksum_failures_total "
        f"{(st.get('feed_status') or {}).get('checksum_failures', 0)}",
        "# TYPE quantum_book_resyncs_total counter",
        f"quantum_book_resyncs_total {(st.get('feed_status') or {}).get('resyncs', 0)}",
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


def _load_secrets(service: Service, user_id: int, venue: str) -> ExchangeSecrets | None:
    try:
        cipher = CredentialCipher(service.settings.secret_key)
    except ConfigError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    with service.store.session() as session:
        return load_exchange_secrets(session, cipher, user_id, venue)


def _live_broker(service: Service, admin: SessionUser) -> LiveBroker:
    """The admin's live broker on the feed's venue, or a 409 saying what is missing."""
    rt = service.runtime
    if not service.settings.allow_live:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "the operator has not allowed live trading: start the service with "
            "'quantum serve --allow-live' (or QUANTUM_ALLOW_LIVE=1)",
        )
    venue = rt.feed.exchange
    symbols = getattr(rt.feed, "unified_symbols", None)
    if venue not in VENUES or not symbols:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"live trading needs an exchange feed ('quantum serve --feed exchange'); "
            f"this service runs {rt.feed.name}",
        )
    secrets = _load_secrets(service, admin.id, venue)
    if secrets is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"store {venue} credentials first")
    config = venue_config(
        venue,
        api_key=secrets.api_key,
        api_secret=secrets.api_secret,
        passphrase=secrets.passphrase,
    )
    factory = service.live_exchange_factory
    exchange = factory(venue, config) if factory is not None else None
    client = execution_client(venue, config, exchange)
    settings = LiveSettings(enabled=True, symbols=dict(symbols))
    try:
        return create_live_broker(rt.account(admin.id).engine, client, config, settings)
    except (ConfigError, AuthError, DataError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.put(
    "/settings/live-trading", response_model=LiveTradingOut, responses={409: {"model": ErrorOut}}
)
async def live_trading(
    body: LiveTradingIn, service: ServiceDep, admin: AdminUser
) -> LiveTradingOut:
    """Live trading switch for the admin's account (real orders on the feed's venue).

    Enabling needs the operator's consent (``--allow-live``), an exchange feed and the admin's
    stored credentials for that venue; each missing piece is a 409 saying so. Orders then go
    through DRB-Guard first and to the venue after; disabling returns the account to paper.
    """
    if body.enabled:
        # Decrypting and building the ccxt object are short, but stay off the engine's loop.
        broker = await asyncio.to_thread(_live_broker, service, admin)
        service.runtime.enable_live(admin.id, broker)
        service.live_trading = True
        return LiveTradingOut(enabled=True, disclaimer=DISCLAIMER)
    old = service.runtime.disable_live(admin.id)
    if old is not None:
        await old.client.exchange.close()
    service.live_trading = bool(service.runtime.live)
    return LiveTradingOut(enabled=False, disclaimer=DISCLAIMER)
