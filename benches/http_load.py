"""Light HTTP/1.1 load clients for the REST benchmark (``bench_service.py``).

Each client is one keep-alive connection that sends a ``GET`` with its bearer token, reads the
status line, the headers and the ``Content-Length`` body, and times the whole exchange. It does
not parse JSON and has no connection pool, retry or cookie machinery: on this 2-core machine the
benchmark's clients share the CPU with the service, and ``httpx``'s async client spent ~2 ms of CPU
per request (44 % of a core at 200 requests/s), so its own queueing and its share of the cores
were part of what it measured. Dashboard clients run in browsers on other machines; these stand in
for them with the same requests on the same number of connections and little CPU of their own.

Run as ``python benches/http_load.py BASE_URL TOKEN CLIENTS SECONDS REFRESH_S``: prints p50 / p99
per query and overall.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from urllib.parse import urlsplit

#: The dashboard's queries, as its pages issue them.
QUERIES = [
    "/api/status",
    "/api/risk",
    "/api/positions",
    "/api/signals?status=PENDING",
    "/api/trades?limit=50",
    "/api/performance",
    "/api/market?exchange=replay&symbol=BTCUSDT",
    "/api/equity",
]


class HttpError(Exception):
    """A response other than 200, or a connection the server closed."""


class Connection:
    """One keep-alive HTTP/1.1 connection carrying a bearer token."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, token: str
    ) -> None:
        self.reader, self.writer = reader, writer
        self.head = (
            f"Host: {host}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
        )

    @classmethod
    async def open(cls, base: str, token: str) -> Connection:
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}", token)

    async def get(self, path: str) -> bytes:
        """The body of a 200 response to ``GET path``."""
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = lines[0].split(b" ", 2)
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        if len(status) < 2 or status[1] != b"200":
            raise HttpError(
                f"GET {path}: {lines[0].decode()} {body[:300].decode(errors='replace')}"
            )
        return body

    def close(self) -> None:
        self.writer.close()


async def run(
    base: str, token: str, clients: int, seconds: float, refresh_s: float
) -> dict[str, list[float]]:
    """``clients`` connections for ``seconds``; each issues the dashboard's queries one after the
    other every ``refresh_s`` (0: back to back, one query per turn). Milliseconds per query."""
    times: dict[str, list[float]] = defaultdict(list)
    conns = [await Connection.open(base, token) for _ in range(clients)]
    stop = time.monotonic() + seconds

    async def client(i: int, conn: Connection) -> None:
        k = i
        await asyncio.sleep(refresh_s * i / clients)  # spread the clients over the period
        while time.monotonic() < stop:
            started = time.monotonic()
            for _ in range(len(QUERIES) if refresh_s else 1):
                path = QUERIES[k % len(QUERIES)]
                k += 1
                t0 = time.perf_counter()
                await conn.get(path)
                times[path].append((time.perf_counter() - t0) * 1e3)
            if refresh_s:
                await asyncio.sleep(max(0.0, refresh_s - (time.monotonic() - started)))

    try:
        await asyncio.gather(*(client(i, c) for i, c in enumerate(conns)))
    finally:
        for c in conns:
            c.close()
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


if __name__ == "__main__":
    base_url, bearer, n, secs, refresh = sys.argv[1:6]
    result = asyncio.run(run(base_url, bearer, int(n), float(secs), float(refresh)))
    every = [t for ts in result.values() for t in ts]
    print(
        f"all: p50 {_pct(every, 50):.1f} ms, p99 {_pct(every, 99):.1f} ms, {len(every) / float(secs):.0f} req/s"
    )
    for query, ts in result.items():
        print(f"  {query:45s} p50 {_pct(ts, 50):6.1f} p99 {_pct(ts, 99):6.1f} n {len(ts)}")
