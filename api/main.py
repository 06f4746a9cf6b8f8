"""The FastAPI application: ``create_app(settings)``.

The lifespan opens (and migrates) the store, creates the first admin from
``QUANTUM_ADMIN_USER`` / ``QUANTUM_ADMIN_PASSWORD`` when there is no user, starts the store writer
and the runtime, and on shutdown stops the runtime, saves engine state and flushes the writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from api.deps import Service
from api.routes import account, admin, auth, market, system, trading
from api.schemas import WS_MESSAGES
from api.ws import endpoint as ws_endpoint
from quantum import __version__
from quantum.config import Settings
from quantum.errors import DataError, QuantumError, RiskRejected
from quantum.runtime import Runtime, RuntimeOptions, embedded_feed
from quantum.runtime.feeds import Feed
from quantum.store import Role, StoreWriter, open_store
from quantum.store.models import User
from quantum.store.repositories.users import create_user

__all__ = ["WEB_DIR", "DashboardFiles", "create_app", "websocket_schema"]

log = logging.getLogger("quantum.api")

#: Worker threads the routes' store reads run in (see ``lifespan``).
_STORE_READ_THREADS = 2

WEB_DIR = Path(__file__).resolve().parents[1] / "python" / "quantum" / "_web"

_NO_DASHBOARD = """<!doctype html><html><head><meta charset="utf-8"><title>Quantum HFT</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Quantum HFT service</h1>
<p>The API is running (<a href="/docs">/docs</a>, <a href="/api/health">/api/health</a>),
but the dashboard is not built. Build it with <code>make web</code> (it writes
<code>python/quantum/_web/</code>) and reload this page.</p></body></html>"""


class DashboardFiles(StaticFiles):
    """The built dashboard. A path that is no file and has no extension is one of its client-side
    routes (``/settings``, ``/risk``): it gets ``index.html``, so a reload or a bookmark of any
    page works. Missing assets and unknown ``/api`` paths stay 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            first, _, _ = path.partition("/")
            last = path.rsplit("/", 1)[-1]
            if exc.status_code != 404 or first in ("api", "ws") or "." in last:
                raise
            return await super().get_response("index.html", scope)


def bootstrap_admin(service: Service) -> None:
    """Create the first admin from the settings when the store has no user."""
    s = service.settings
    with service.store.session() as session:
        if int(session.scalar(select(func.count()).select_from(User)) or 0) > 0:
            return
        if s.admin_user is None or s.admin_password is None:
            log.warning(
                "no user exists: set QUANTUM_ADMIN_USER and QUANTUM_ADMIN_PASSWORD or run "
                "'quantum user add --admin'"
            )
            return
        create_user(session, s.admin_user, s.admin_password.get_secret_value(), Role.ADMIN)
        log.info("created the first admin %r", s.admin_user)


def automate_admins_by_default(service: Service) -> None:
    """On a fresh start (no automation choice stored yet) the strategies trade the admins'
    paper accounts, so a newcomer sees the engine trade; the first toggle is stored and wins."""
    if service.runtime.automation_chosen():
        return
    with service.store.session() as session:
        admins = session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.is_active.is_(True))
        ).all()
    service.runtime.automate_by_default(admins)


def websocket_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the WebSocket's message payloads: their models under
    ``components.schemas`` and ``x-websocket`` = ``{"path": "/ws", "messages": {type: schema}}``
    (OpenAPI has no WebSocket operations; the dashboard's types and mock read this)."""
    models = sorted({m for ms in WS_MESSAGES.values() for m in ms}, key=lambda m: m.__name__)
    _, defs = models_json_schema(
        [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, body in defs.get("$defs", {}).items():
        components.setdefault(name, body)

    def ref(model: type[BaseModel]) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    messages = {
        kind: ref(ms[0]) if len(ms) == 1 else {"anyOf": [ref(m) for m in ms]}
        for kind, ms in WS_MESSAGES.items()
    }
    schema["x-websocket"] = {"path": "/ws", "messages": messages}
    return schema


def create_app(
    settings: Settings | None = None,
    *,
    feed_factory: Callable[[], Feed] | None = None,
    options: RuntimeOptions | None = None,
    web_dir: Path | None = None,
) -> FastAPI:
    """The service app. ``feed_factory`` defaults to the shipped real recording, looped."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The routes read the store in worker threads (``asyncio.to_thread``). Every worker
        # contends for the GIL with the loop's thread; with asyncio's default of 6 workers
        # (2 cores + 4), 50 clients back to back got 115 req/s, with 2 workers 161-168 req/s
        # (the same window, alternating; docs/service.md).
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(_STORE_READ_THREADS, thread_name_prefix="quantum-store-read")
        )
        store = open_store(settings.resolved_database_url())
        writer = StoreWriter(
            store,
            settings.data_dir / "store-spool",
            out_of_process=settings.store_writer_process,
        )
        feed = feed_factory() if feed_factory is not None else embedded_feed()
        runtime = Runtime(
            store, writer, feed, options, automation_path=settings.data_dir / "automation.json"
        )
        service = Service(settings=settings, store=store, writer=writer, runtime=runtime)
        try:
            bootstrap_admin(service)
            automate_admins_by_default(service)
            await runtime.start()
            app.state.service = service
            yield
        finally:
            app.state.service = None
            await runtime.stop()
            writer.close()
            store.dispose()

    app = FastAPI(
        title="Quantum HFT",
        version=__version__,
        summary="Paper trading engine service (educational; not financial advice).",
        lifespan=lifespan,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.exception_handler(RiskRejected)
    async def _risk(_request: Request, exc: RiskRejected) -> JSONResponse:
        reason = str(getattr(exc, "reason", "") or "rejected")
        return JSONResponse({"detail": str(exc), "reason": reason}, status_code=409)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(QuantumError)
    async def _quantum(_request: Request, exc: QuantumError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    for module in (auth, system, trading, account, market, admin):
        app.include_router(module.router)
    app.include_router(ws_endpoint.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = websocket_schema(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    static = web_dir if web_dir is not None else WEB_DIR
    if (static / "index.html").is_file():
        app.mount("/", DashboardFiles(directory=static, html=True), name="web")
    else:

        @app.get("/", response_class=HTMLResponse, include_in_schema=False)
        def no_dashboard() -> HTMLResponse:
            return HTMLResponse(_NO_DASHBOARD)

    return app
