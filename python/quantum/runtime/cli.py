"""``quantum serve`` and ``quantum user add`` (a typer sub-app each; mounted by ``quantum.cli``)."""

from __future__ import annotations

import contextlib
import gc
import getpass
import importlib.util
import os
import socket
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from quantum.errors import DataError, QuantumError

__all__ = ["app", "serve", "user_app"]

user_app = typer.Typer(help="Manage service users.", no_args_is_help=True)


class FeedKind(StrEnum):
    """The market ``quantum serve`` trades on."""

    #: A recording replayed in a loop: the shipped real one, or ``--recording PATH``.
    RECORDING = "recording"
    #: The seeded synthetic market.
    SYNTHETIC = "synthetic"
    #: A live exchange (network needed): ``--exchange`` and ``--symbols`` say which.
    EXCHANGE = "exchange"


def _import_api() -> None:
    """Make the ``api`` package importable when running from a source checkout."""
    if importlib.util.find_spec("api") is None:
        root = Path(__file__).resolve().parents[3]
        if (root / "api" / "main.py").is_file():
            sys.path.insert(0, str(root))


def serve(
    host: Annotated[str | None, typer.Option(help="listen address (default QUANTUM_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="listen port (default QUANTUM_PORT)")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="store, spool and local state (QUANTUM_DATA_DIR)"),
    ] = None,
    ticks_per_s: Annotated[float, typer.Option(help="synthetic feed rate")] = 50.0,
    access_log: Annotated[bool, typer.Option(help="log every HTTP request")] = False,
    feed: Annotated[
        FeedKind,
        typer.Option(
            help="recording: a real recording replayed in a loop (the shipped Binance excerpt, "
            "or --recording); synthetic: the seeded synthetic market; exchange: a live venue "
            "(needs --exchange and --symbols)"
        ),
    ] = FeedKind.RECORDING,
    recording: Annotated[
        Path | None,
        typer.Option(help="replay this recording directory in a loop (with --feed recording)"),
    ] = None,
    exchange: Annotated[
        str | None,
        typer.Option(help="with --feed exchange: binanceusdm, bybit, okx, kraken, krakenfutures"),
    ] = None,
    symbols: Annotated[
        str | None,
        typer.Option(help="with --feed exchange: ccxt symbols, e.g. BTC/USDT:USDT,ETH/USDT:USDT"),
    ] = None,
    channels: Annotated[
        str,
        typer.Option(
            help="with --feed exchange: streams to run (book,trades,ticker,...); by default the "
            "book, trades and, where the venue has them, liquidations"
        ),
    ] = "book,trades,liquidations",
    allow_live: Annotated[
        bool,
        typer.Option(
            "--allow-live",
            help="let an admin switch on live trading (real orders; also QUANTUM_ALLOW_LIVE=1)",
        ),
    ] = False,
) -> None:
    """Run the paper trading engine and the dashboard API in one process."""
    import uvicorn

    from quantum import DISCLAIMER
    from quantum.config import Settings
    from quantum.runtime import embedded_feed, replay_feed, synthetic_feed
    from quantum.runtime.venues import exchange_feed, parse_channels

    if recording is not None and feed is not FeedKind.RECORDING:
        raise typer.BadParameter("--recording replays a recording: use it with --feed recording")
    _import_api()
    from api.main import create_app
    from api.ws.protocol import PushWebSocketProtocol

    if feed is FeedKind.EXCHANGE and (exchange is None or not symbols):
        raise typer.BadParameter("--feed exchange needs --exchange and --symbols")
    base = Settings()
    updates: dict[str, object] = {}
    if data_dir is not None:
        updates["data_dir"] = data_dir
    if allow_live:
        updates["allow_live"] = True
    settings = base.model_copy(update=updates) if updates else base
    listen_host = host or settings.host
    listen_port = port or settings.port
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    live_feed: object | None = None
    if feed is FeedKind.EXCHANGE:
        assert exchange is not None and symbols is not None  # checked above
        names = [s.strip() for s in symbols.split(",") if s.strip()]
        try:
            # Built now, so a venue that cannot be reached or a symbol it lacks stops the
            # start with one clear line instead of a traceback from inside the server.
            live_feed = exchange_feed(exchange, names, parse_channels(channels))
        except QuantumError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None

    def feed_factory() -> object:
        if live_feed is not None:
            return live_feed
        if feed is FeedKind.SYNTHETIC:
            return synthetic_feed(ticks_per_s=ticks_per_s)
        if recording is not None:
            return replay_feed(recording)
        return embedded_feed()

    app = create_app(settings, feed_factory=feed_factory)  # type: ignore[arg-type]
    typer.echo(DISCLAIMER)
    if settings.allow_live:
        typer.echo(
            "live trading is ALLOWED: an admin with stored API keys can switch an account to "
            "real orders on the exchange feed's venue"
        )
    typer.echo(f"dashboard: http://{listen_host}:{listen_port}/")
    if settings.admin_user:
        typer.echo(f"log in as {settings.admin_user!r} (password from QUANTUM_ADMIN_PASSWORD)")
    else:
        typer.echo(
            "log in with a user made by 'quantum user add --admin NAME' "
            "(or set QUANTUM_ADMIN_USER and QUANTUM_ADMIN_PASSWORD before the first start)"
        )
    sys.stdout.flush()

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            # Started: what is alive now (modules, app, store, engines) lives as long as the
            # process. Frozen, the cyclic GC stops walking it: its full collections over it
            # paused the event loop (and every push) for ~100 ms.
            gc.collect()
            gc.freeze()

    config = uvicorn.Config(
        app,
        host=listen_host,
        port=listen_port,
        log_level="info",
        access_log=access_log,
        # httptools's C parser (a dependency), not uvicorn's pure-Python h11 fallback: ~0.3 ms
        # less per request on this machine (docs/service.md). Named, so a missing httptools
        # fails at start instead of silently serving slower.
        http="httptools",
        # uvicorn's websockets-sansio protocol that lets the event bus write pushed frames
        # straight to each connection's transport (api/ws/protocol.py).
        ws=PushWebSocketProtocol,
        # Each connection has its own compression context, so permessage-deflate would compress
        # every pushed message once per client (and the client inflates it again); for ~300-byte
        # events on loopback or a LAN that CPU cost dominated the fan-out. Off: frames go as is.
        ws_per_message_deflate=False,
    )
    server = _Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the signal it handled
        server.run()
    if not server.started:
        raise typer.Exit(1)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="login name")],
    admin: Annotated[bool, typer.Option("--admin", help="give the admin role")] = False,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="the service's data dir")
    ] = None,
) -> None:
    """Create a user; the password comes from QUANTUM_NEW_PASSWORD or a prompt."""
    from quantum.config import Settings
    from quantum.store import Role, open_store
    from quantum.store.repositories.users import create_user

    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    password = os.environ.get("QUANTUM_NEW_PASSWORD") or getpass.getpass("password: ")
    store = open_store(settings.resolved_database_url())
    try:
        with store.session() as session:
            user = create_user(session, username, password, Role.ADMIN if admin else Role.USER)
            typer.echo(f"created {user.role} {user.username!r} (id {user.id})")
    except DataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()


#: ``python -m quantum.runtime`` (same commands as ``quantum serve`` / ``quantum user``).
app = typer.Typer(help="Quantum HFT service.", no_args_is_help=True)
app.command("serve")(serve)
app.add_typer(user_app, name="user")
