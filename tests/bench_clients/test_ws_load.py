"""The push benchmark's light load client (``benches/ws_load.py``) measures latency right.

A small WebSocket server on a loopback socket does the handshake and sends frames whose tick
``data.ts`` the test chooses; the client's samples must be the kernel's receive time minus that
``ts``, whenever the client reads.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping

import orjson
import pytest
from benches.ws_load import LoadClient, tick_receive_ns

from quantum.runtime.bus import text_frame

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _envelope(kind: str, seq: int, ts: int, data: Mapping[str, object]) -> bytes:
    # The bus's envelope: type, seq, ts (publish time), then data.
    return b'{"type":"%b","seq":%d,"ts":%d,"data":%b}' % (
        kind.encode(),
        seq,
        ts,
        orjson.dumps(data),
    )


def test_tick_receive_ns_reads_the_ticks_own_ts() -> None:
    tick = {"exchange": "x", "symbol": "BTCUSDT", "price": "1.5", "ts": 42}
    assert tick_receive_ns(_envelope("tick", 7, 99, tick)) == 42
    assert tick_receive_ns(_envelope("status", 8, 99, {"ts": 5})) is None


class _Server:
    """Accepts one WebSocket client, then sends what the test hands it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.conn: socket.socket | None = None
        self.clients: list[LoadClient] = []
        self.ready = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        self.conn = conn
        self.ready.set()

    def send(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def close(self) -> None:
        for client in self.clients:
            client.sock.close()
        if self.conn is not None:
            self.conn.close()
        self.listener.close()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.close()


def _read_until(client: LoadClient, frames: int) -> None:
    deadline = time.monotonic() + 5
    while client.frames < frames:
        assert time.monotonic() < deadline, "frames did not arrive"
        client.read()
        time.sleep(0.001)


def _tick(ts: int, seq: int = 1) -> bytes:
    data = {"exchange": "x", "symbol": "BTCUSDT", "price": "1", "bid": None, "ask": None, "ts": ts}
    return text_frame(_envelope("tick", seq, ts, data))


def _client(server: _Server, timestamps: bool = True) -> LoadClient:
    client = LoadClient(f"ws://127.0.0.1:{server.port}/ws?token=t", ["tick"], timestamps)
    server.clients.append(client)
    assert server.ready.wait(5) and server.conn is not None
    # As the service's sockets (uvloop sets it): each write goes out at once.
    server.conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if timestamps:
        _wait_for_kernel_timestamps(server, client)
    return client


def _wait_for_kernel_timestamps(server: _Server, client: LoadClient) -> None:
    """Linux turns receive timestamps on for the whole machine in deferred work after the first
    socket asks for them, so on a machine where no socket had them, the first bytes can arrive
    unstamped. Send status frames (never timed) until one arrives stamped."""
    deadline = time.monotonic() + 5
    while True:
        server.send(text_frame(_envelope("status", 0, 0, {"ts": 0})))
        _read_until(client, client.frames + 1)
        if client.arrival_ns is not None:
            return
        assert time.monotonic() < deadline, "the kernel never stamped a received segment"
        time.sleep(0.01)


def test_latency_is_the_kernel_receive_time_not_the_read_time(server: _Server) -> None:
    client = _client(server)
    base = client.frames
    # Received 30 ms before it is sent: the latency is at least 30 ms, and the client reading
    # 200 ms later must not add those 200 ms.
    before = time.time_ns()
    server.send(_tick(before - 30_000_000))
    after = time.time_ns()
    time.sleep(0.2)
    _read_until(client, base + 1)
    (latency,) = client.latencies_ms
    assert 30.0 <= latency <= 30.0 + (after - before) / 1e6 + 5.0


def test_only_the_last_frame_of_a_read_is_timed(server: _Server) -> None:
    client = _client(server)
    base = client.frames
    now = time.time_ns()
    # Two ticks waiting together: the socket reports the second one's time, so only it counts.
    server.send(_tick(now - 500_000_000, 1))
    time.sleep(0.05)
    server.send(_tick(now, 2))
    time.sleep(0.05)
    _read_until(client, base + 2)
    (latency,) = client.latencies_ms
    assert latency < 400.0
    # A read that ends inside a frame is not timed, nor is a tick followed by another frame.
    frame = _tick(time.time_ns(), 3)
    server.send(frame[:-5])
    time.sleep(0.05)
    client.read()
    server.send(frame[-5:] + text_frame(_envelope("status", 4, 0, {"ts": 0})))
    time.sleep(0.05)
    _read_until(client, base + 4)
    assert len(client.latencies_ms) == 1


def test_without_timestamps_no_samples_are_taken(server: _Server) -> None:
    client = _client(server, timestamps=False)
    server.send(_tick(time.time_ns()))
    _read_until(client, 1)
    assert client.latencies_ms == []
