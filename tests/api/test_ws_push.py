"""``/ws`` under uvicorn with :class:`PushWebSocketProtocol` (what ``quantum serve`` runs): the bus
writes frames straight to each connection's transport. Auth, seq, replies, ping/pong, close, and a
client that never reads next to one that does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import uvicorn
from api.main import create_app
from api.ws.protocol import PushWebSocketProtocol
from websockets.exceptions import InvalidStatus
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader
from websockets.sync.client import ClientConnection, connect

from quantum.config import Settings
from quantum.engine import EngineConfig
from quantum.runtime import ManualFeed, RuntimeOptions
from quantum.runtime.bus import EventBus, TransportSubscription
from tests.api.conftest import ADMIN, ALICE, SYMBOLS, LiveTicks, wait_for


@dataclass
class Live:
    port: int
    app: Any
    feed: ManualFeed
    loop: asyncio.AbstractEventLoop

    @property
    def bus(self) -> EventBus:
        bus: EventBus = self.app.state.service.runtime.bus
        return bus

    def token(self, user: tuple[str, str]) -> str:
        r = httpx.post(
            f"http://127.0.0.1:{self.port}/api/auth/login",
            json={"username": user[0], "password": user[1]},
        )
        assert r.status_code == 200, r.text
        return str(r.json()["token"])

    def ws(self, query: str = "", **kwargs: Any) -> ClientConnection:
        return connect(f"ws://127.0.0.1:{self.port}/ws{query}", open_timeout=10, **kwargs)


@pytest.fixture
def live(tmp_path: Path, template_db: Path) -> Iterator[Live]:
    shutil.copy(template_db, tmp_path / "quantum.db")
    settings = Settings(
        data_dir=tmp_path,
        admin_user=ADMIN[0],
        admin_password=ADMIN[1],
        secret_key="k" * 40,
        store_writer_process=False,  # see the harness in conftest.py
    )
    feed = ManualFeed(SYMBOLS)
    options = RuntimeOptions(
        engine_config=EngineConfig(auto_execute=False), status_interval_s=0.05, queue_size=256
    )
    app = create_app(
        settings, feed_factory=lambda: feed, options=options, web_dir=tmp_path / "no-web"
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, ws=PushWebSocketProtocol, ws_per_message_deflate=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve([sock]),))
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), what="uvicorn")
        assert server.started
        yield Live(sock.getsockname()[1], app, feed, loop)
    finally:
        server.should_exit = True
        thread.join(30)
        loop.close()
        sock.close()


def _recv(ws: ClientConnection) -> dict[str, Any]:
    msg: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return msg


def test_push_path_auth_seq_replies_ping_and_close(live: Live) -> None:
    with pytest.raises(InvalidStatus) as info, live.ws():
        pass
    assert info.value.response.status_code == 403
    token = live.token(ALICE)
    ticks = LiveTicks()
    # The three ways to authenticate: ?token=, bearer header, session cookie.
    for query, headers in (
        (f"?token={token}", {}),
        ("", {"Authorization": f"Bearer {token}"}),
        ("", {"Cookie": f"quantum_session={token}"}),
    ):
        with live.ws(query, additional_headers=headers) as ws:
            ws.send(json.dumps({"op": "subscribe", "topics": ["tick", "status"]}))
            first = _recv(ws)
            assert first["type"] == "subscribed" and first["seq"] == 1
            (sub,) = live.bus.subscriptions
            assert isinstance(sub, TransportSubscription)  # the direct-write path is in use
            seen: list[dict[str, Any]] = [first]
            while {m["type"] for m in seen} != {"subscribed", "tick", "status"}:
                # Ticks are pushed at most every tick_sample_s per symbol: feed until one comes.
                live.feed.push(ticks.next(20))
                seen.append(_recv(ws))
            assert [m["seq"] for m in seen] == list(range(1, len(seen) + 1))
            tick = next(m for m in seen if m["type"] == "tick")
            assert tick["data"]["symbol"] in SYMBOLS and tick["ts"] >= tick["data"]["ts"]
            assert ws.ping(b"are you there").wait(10)  # the protocol answers pings
            ws.send("not json")
            while (msg := _recv(ws))["type"] != "error":
                seen.append(msg)
            assert msg["seq"] == len(seen) + 1 and "JSON" in msg["data"]["detail"]
        # The client's close frame is answered and the subscription goes away.
        assert ws.close_code == 1000
        wait_for(lambda: live.bus.clients == 0, what="unsubscribe after close")


def _handshake(port: int, token: str) -> socket.socket:
    """A raw WebSocket client with a tiny receive buffer that reads only when the test says so."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        (
            f"GET /ws?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    subscribe = json.dumps({"op": "subscribe", "topics": ["status"]}).encode()
    sock.sendall(Frame(Opcode.TEXT, subscribe).serialize(mask=True))
    return sock


def _text_messages(reader: StreamReader) -> Iterator[dict[str, Any]]:
    """Complete text messages in ``reader`` (pings from the server's keepalive skipped)."""
    while reader.buffer:
        saved = bytes(reader.buffer)
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            frame: Frame = done.value
            if frame.opcode is Opcode.TEXT:
                yield json.loads(frame.data)
        else:
            reader.buffer[:] = saved  # incomplete: wait for more bytes
            return


def _slow_client(live: Live, token: str) -> tuple[socket.socket, TransportSubscription]:
    """A subscribed client that reads only when the test says so, and its subscription; small
    kernel buffers on both ends, so its backlog reaches the transport's quickly."""
    live.bus.buffer_limit = 16 * 1024
    slow_sock = _handshake(live.port, token)
    wait_for(lambda: any(s.topics for s in live.bus.subscriptions), what="slow subscribed")
    (slow,) = live.bus.subscriptions
    assert isinstance(slow, TransportSubscription)
    server_side = cast(Any, slow.transport).get_extra_info("socket")
    server_side.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return slow_sock, slow


def test_never_reading_client_is_resynced_while_others_keep_up(live: Live) -> None:
    token = live.token(ALICE)
    slow_sock, slow = _slow_client(live, token)
    flood = 2000
    blob = "x" * 2000

    async def publish() -> float:
        worst = 0.0
        for i in range(flood):
            t0 = time.perf_counter()
            live.bus.publish("status", {"flood": i, "blob": blob})
            worst = max(worst, time.perf_counter() - t0)
            if i % 10 == 9:
                await asyncio.sleep(0.001)  # ~10k messages/s at most: a reading client keeps up
        return worst

    with live.ws(f"?token={token}") as fast:
        fast.send(json.dumps({"op": "subscribe", "topics": ["status"]}))
        assert _recv(fast)["type"] == "subscribed"
        done = asyncio.run_coroutine_threadsafe(publish(), live.loop)
        got: list[dict[str, Any]] = []
        while not got or got[-1]["data"].get("flood") != flood - 1:
            got.append(_recv(fast))
        worst_publish = done.result(30)
    # The reading client got the whole flood in order (plus the runtime's own status messages).
    assert [m["data"]["flood"] for m in got if "flood" in m["data"]] == list(range(flood))
    assert [m["seq"] for m in got] == list(range(2, len(got) + 2))
    assert all(m["type"] == "status" for m in got)
    # The other one was cut off, and publishing never waited for it.
    assert slow.resyncs == 1 and slow.dropped > flood // 2
    assert worst_publish < 0.25

    # It reads again: its backlog, then one resync whose seq shows the gap, then the live stream.
    reader = StreamReader()
    msgs: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not any(m["type"] == "resync" for m in msgs) or msgs[-1]["type"] == "resync":
        assert time.monotonic() < deadline, [m["type"] for m in msgs[-3:]]
        reader.feed_data(slow_sock.recv(1 << 16))
        msgs.extend(_text_messages(reader))
    slow_sock.close()
    at = next(i for i, m in enumerate(msgs) if m["type"] == "resync")
    seqs = [m["seq"] for m in msgs]
    assert seqs[:at] == list(range(1, at + 1))  # subscribed + backlog, in order
    assert seqs[at] > at + 1 and msgs[at]["data"] == {"reason": "slow_consumer"}
    assert seqs[at:] == list(range(seqs[at], seqs[at] + len(msgs) - at))
    assert "flood" not in msgs[-1]["data"]  # after the resync: the runtime's regular status
    assert live.bus.resyncs >= 1 and live.bus.dropped >= slow.dropped


def test_logout_is_not_held_up_by_a_client_that_reads_nothing(live: Live) -> None:
    # A client whose socket is full cannot take its close frame: ending its session must cut it
    # off after a short wait instead of keeping the logout waiting for it.
    token = live.token(ALICE)
    slow_sock, slow = _slow_client(live, token)

    async def flood() -> None:
        for i in range(200):
            live.bus.publish("status", {"flood": i, "blob": "x" * 2000})

    asyncio.run_coroutine_threadsafe(flood(), live.loop).result(30)
    assert slow.lagging  # its socket and the transport hold what it has not read
    t0 = time.monotonic()
    r = httpx.post(
        f"http://127.0.0.1:{live.port}/api/auth/logout",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 204
    assert time.monotonic() - t0 < 10
    wait_for(lambda: live.bus.clients == 0, what="unsubscribed")
    # The connection was closed on the service's side: the client reads its backlog, then EOF
    # (or a reset, as the unsent rest was discarded).
    slow_sock.settimeout(10)
    with contextlib.suppress(ConnectionResetError):
        while slow_sock.recv(1 << 16):
            pass
    slow_sock.close()
