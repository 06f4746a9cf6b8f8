"""Light WebSocket load clients for the push benchmark (``bench_service.py``).

Each is a real RFC 6455 client of ``/ws``: it does the HTTP upgrade with its token, sends a
masked ``subscribe`` frame, then receives every frame the service pushes and answers pings as a
browser would. What it does not do is decode the messages, and it reads what has arrived every
10 ms rather than being woken for each frame: on this 2-core machine the benchmark's own clients
share the CPU with the service, and 199 full Python WebSocket clients all decoded each pushed
message exactly when the measuring client needed a core. Dashboard clients run on other machines;
these stand in for them with the same load on the service (the same frames, written to the same
number of TCP connections) and little load on the CPU.

With ``timestamps`` each client also asks the kernel for the receive time of what it reads
(``SO_TIMESTAMPNS``, Linux): the time the service's bytes reached the client's socket, whenever
the client gets around to reading them. A tick's push latency is that time minus the tick's
``data.ts`` (its local receive time in the service), so the benchmark sees every client's
delivery (199 per tick, wherever the client falls in the fan-out) without the 10 ms poll or the
client's own wait for a core in it. TCP merges segments that wait in the socket and reports the
newest one's time, which is exact only for the bytes that came last: a sample is taken only for
the last frame of a read, and only when the read ends with that frame (no part of a later frame
behind it). Earlier frames of the same read are counted as received but not timed, and only the
timed ticks are decoded.

Run as ``python benches/ws_load.py URL CLIENTS SECONDS [LATENCY_FILE]``: prints the frames each
client received (min / total) when done, and with ``LATENCY_FILE`` writes the latency samples
(ms, one per line) there.
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

import orjson

_TEXT, _PING, _PONG = 0x1, 0x9, 0xA
# Linux's SO_TIMESTAMPNS (Python's socket module does not name it): a struct timespec of the
# receive time with each recvmsg.
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("@qq")
_TICK = b'{"type":"tick"'


def tick_receive_ns(payload: bytes) -> int | None:
    """``data.ts`` of a ``tick`` message, None for other messages (not decoded)."""
    if not payload.startswith(_TICK):
        return None
    return int(orjson.loads(payload)["data"]["ts"])


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

    def __init__(self, url: str, topics: list[str], timestamps: bool = False) -> None:
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
        #: Push latencies (ms) of the ticks received, with ``timestamps``.
        self.latencies_ms: list[float] = []
        self.timestamps = timestamps
        if timestamps:
            self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        #: Kernel receive time (ns) of the last read; None when not asked for, or when the kernel
        #: gave none (Linux turns receive timestamps on for the whole machine a moment after the
        #: first socket asks, so the very first bytes may arrive unstamped).
        self.arrival_ns: int | None = None
        subscribe = json.dumps({"op": "subscribe", "topics": topics}).encode()
        self.sock.sendall(masked_frame(subscribe, _TEXT))
        self.sock.setblocking(False)

    def read(self) -> bool:
        """Take what has arrived; False once the server closed the connection."""
        try:
            if self.timestamps:
                data, ancillary, _, _ = self.sock.recvmsg(
                    1 << 16, socket.CMSG_SPACE(_TIMESPEC.size)
                )
                self.arrival_ns = _arrival_ns(ancillary)
            else:
                data = self.sock.recv(1 << 16)
        except BlockingIOError:
            return True
        if not data:
            return False
        self.buf += data
        last_tick = self._frames()
        if self.arrival_ns is not None and last_tick is not None and not self.buf:
            self.latencies_ms.append((self.arrival_ns - last_tick) / 1e6)
        return True

    def _frames(self) -> int | None:
        """Parse the complete frames in the buffer: count the text frames and answer pings.
        Returns ``data.ts`` of the last frame when it is a tick (None otherwise)."""
        buf, pos = self.buf, 0
        last_tick = None
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
            last_tick = None
            if opcode == _PING:
                self.sock.setblocking(True)
                self.sock.sendall(masked_frame(bytes(buf[pos + head : pos + head + n]), _PONG))
                self.sock.setblocking(False)
            elif opcode == _TEXT:
                self.frames += 1
                if self.arrival_ns is not None:
                    last_tick = tick_receive_ns(bytes(buf[pos + head : pos + head + n]))
            pos += head + n
        del buf[:pos]
        return last_tick


def _arrival_ns(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
            sec, nsec = _TIMESPEC.unpack_from(data)
            return int(sec * 1_000_000_000 + nsec)
    return None


def run(
    url: str,
    clients: int,
    seconds: float,
    topics: list[str] | None = None,
    poll_s: float = 0.01,
    latencies_ms: list[float] | None = None,
) -> list[int]:
    """Connect ``clients``, receive for ``seconds``, reading what has arrived every ``poll_s``;
    the frames each one received. With a ``latencies_ms`` list, every client's tick latencies
    (kernel receive time) are appended to it."""
    timestamps = latencies_ms is not None
    conns = [LoadClient(url, topics or ["tick"], timestamps) for _ in range(clients)]
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
        if latencies_ms is not None:
            latencies_ms.extend(c.latencies_ms)
    return [c.frames for c in conns]


if __name__ == "__main__":
    samples: list[float] | None = [] if len(sys.argv) > 4 else None
    frames = run(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), latencies_ms=samples)
    print(f"load clients: {len(frames)}, frames each >= {min(frames)}, total {sum(frames)}")
    if samples is not None:
        with open(sys.argv[4], "w") as out:
            out.writelines(f"{x:.4f}\n" for x in samples)
