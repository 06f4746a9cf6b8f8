"""Light WebSocket load clients for the push benchmark (``bench_service.py``).

Each is a real RFC 6455 client of ``/ws``: it does the HTTP upgrade with its token, sends a
masked ``subscribe`` frame, then receives every frame the service pushes and answers pings as a
browser would. What it does not do is decode the messages, and it reads what has arrived every
10 ms rather than being woken for each frame: on this 2-core machine the benchmark's own clients
share the CPU with the service, and 199 full Python WebSocket clients all decoded each pushed
message exactly when the measuring client needed a core. Dashboard clients run on other machines;
these stand in for them with the same load on the service (the same frames, written to the same
number of TCP connections) and little load on the CPU.

Run as ``python benches/ws_load.py URL CLIENTS SECONDS``: prints the frames each client received
(min / total) when done.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

_TEXT, _PING, _PONG = 0x1, 0x9, 0xA


def masked_frame(payload: bytes, opcode: int) -> bytes:
    """A client frame (clients must mask, RFC 6455 §5.3)."""
    key = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class LoadClient:
    """One connection: handshake and subscribe on creation, then :meth:`read` when readable."""

    def __init__(self, url: str, topics: list[str]) -> None:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        self.sock = socket.create_connection((host, port))
        key = base64.b64encode(os.urandom(16)).decode()
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = (
            f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed during the WebSocket handshake")
            reply += chunk
        head, _, rest = reply.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if not status.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"WebSocket handshake refused: {status.decode()}")
        self.buf = bytearray(rest)
        self.frames = 0
        subscribe = json.dumps({"op": "subscribe", "topics": topics}).encode()
        self.sock.sendall(masked_frame(subscribe, _TEXT))
        self.sock.setblocking(False)

    def read(self) -> bool:
        """Take what has arrived; False once the server closed the connection."""
        try:
            data = self.sock.recv(1 << 16)
        except BlockingIOError:
            return True
        if not data:
            return False
        self.buf += data
        self._frames()
        return True

    def _frames(self) -> None:
        buf, pos = self.buf, 0
        while len(buf) - pos >= 2:
            n, head = buf[pos + 1] & 0x7F, 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < head + n:
                break
            opcode = buf[pos] & 0x0F
            if opcode == _PING:
                self.sock.setblocking(True)
                self.sock.sendall(masked_frame(bytes(buf[pos + head : pos + head + n]), _PONG))
                self.sock.setblocking(False)
            elif opcode == _TEXT:
                self.frames += 1
            pos += head + n
        del buf[:pos]


def run(
    url: str,
    clients: int,
    seconds: float,
    topics: list[str] | None = None,
    poll_s: float = 0.01,
) -> list[int]:
    """Connect ``clients``, receive for ``seconds``, reading what has arrived every ``poll_s``;
    the frames each one received."""
    conns = [LoadClient(url, topics or ["tick"]) for _ in range(clients)]
    sel = selectors.DefaultSelector()
    for c in conns:
        sel.register(c.sock, selectors.EVENT_READ, c)
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for key, _ in sel.select(timeout=0):
            if not key.data.read():
                sel.unregister(key.fileobj)
        time.sleep(poll_s)
    for c in conns:
        c.sock.close()
    return [c.frames for c in conns]


if __name__ == "__main__":
    frames = run(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    print(f"load clients: {len(frames)}, frames each >= {min(frames)}, total {sum(frames)}")
