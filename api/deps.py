"""Annotated dependencies of the routes: the service state, the current user, admin checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from starlette.requests import HTTPConnection

from api.auth import COOKIE, LoginLimiter, Sessions, SessionUser
from api.backtests import BacktestJobs
from api.read_cache import ReadCache
from api.ws.open_sockets import OpenSockets
from quantum.config import Settings
from quantum.runtime import Runtime
from quantum.store import Store, StoreWriter


@dataclass
class Service:
    """Everything the routes share; lives on ``app.state.service`` while the app runs."""

    settings: Settings
    store: Store
    writer: StoreWriter
    runtime: Runtime
    sessions: Sessions = field(init=False)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    backtests: BacktestJobs = field(default_factory=BacktestJobs)
    #: Store reads' answers, reused until the writer commits what they read (api/read_cache.py).
    reads: ReadCache = field(default_factory=ReadCache)
    #: Open WebSocket connections by session: a logout closes its connections.
    sockets: OpenSockets = field(default_factory=OpenSockets)
    live_trading: bool = False
    #: Builds the ccxt exchange a live broker sends orders through, from the venue id and its
    #: config with the user's keys; ``None`` uses the adapter's factory (tests inject offline
    #: transports here).
    live_exchange_factory: Callable[[str, Any], Any] | None = None

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.store, self.settings.session_ttl_s)


def service_of(request: HTTPConnection) -> Service:
    """The running service (503 while starting or stopping)."""
    service: Service | None = getattr(request.app.state, "service", None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the service is starting")
    return service


def session_token(conn: HTTPConnection) -> str | None:
    """An explicit credential first (bearer header, ``?token=`` on the WebSocket), else the cookie."""
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if conn.scope["type"] == "websocket":
        token = conn.query_params.get("token")
        if token:
            return token
    return conn.cookies.get(COOKIE) or None


async def get_service(request: HTTPConnection) -> Service:
    # async: dependencies that do not block run on the loop, without a thread-pool hop.
    return service_of(request)


ServiceDep = Annotated[Service, Depends(get_service)]


async def current_user(request: Request, service: ServiceDep) -> SessionUser:
    user = service.sessions.get(session_token(request))
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[SessionUser, Depends(current_user)]


async def admin_user(user: CurrentUser) -> SessionUser:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin role required")
    return user


AdminUser = Annotated[SessionUser, Depends(admin_user)]
