"""The machine's floor under the push benchmark: the same fan-out with nothing of the service in it.

One 168-byte frame (a ``tick`` message's size) is sent to each of ``connections`` loopback TCP
connections from one thread, with plain non-blocking sockets, and the round is timed; between
rounds the receiving ends are drained and the thread sleeps 5 ms, as the service's loop idles
between sampled ticks. The service's push is these sends plus its own work (the engine, the
publish loop), so its p99 cannot be below this round's p99 measured in the same window; on this
shared VM that floor moves by several milliseconds from one window to the next (see
``benches/machine/`` for the same in C, and ``docs/service.md``).
"""

from __future__ import annotations

import socket
import time

FRAME = b"\x81\x7e\x00\xa4" + b"x" * 164


def fanout_ms(connections: int = 200, rounds: int = 1000) -> list[float]:
    """Milliseconds per round of one send to each connection."""
    with socket.create_server(("127.0.0.1", 0), backlog=connections) as listener:
        address = listener.getsockname()
        receivers: list[socket.socket] = []
        senders: list[socket.socket] = []
        try:
            for _ in range(connections):
                receivers.append(socket.create_connection(address))
                sender, _ = listener.accept()
                senders.append(sender)
                sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as uvicorn sets
                sender.setblocking(False)
            for r in receivers:
                r.setblocking(False)
            rounds_ms = []
            for _ in range(rounds):
                start = time.perf_counter_ns()
                for s in senders:
                    s.send(FRAME)
                rounds_ms.append((time.perf_counter_ns() - start) / 1e6)
                for r in receivers:
                    while True:
                        try:
                            if not r.recv(65536):
                                break
                        except BlockingIOError:
                            break
                time.sleep(0.005)
            return rounds_ms
        finally:
            for s in senders + receivers:
                s.close()


if __name__ == "__main__":
    ms = sorted(fanout_ms())
    print(
        f"200 loopback sends: p50 {ms[len(ms) // 2]:.2f} ms, p99 {ms[len(ms) * 99 // 100]:.2f} ms, "
        f"max {ms[-1]:.2f} ms ({len(ms)} rounds)"
    )
