"""The bus writing WebSocket frames straight to transports: framing, seq, slow-client isolation.

The sockets are real loopback TCP connections (asyncio's and uvloop's transports); a slow client
is one that never reads, with small socket buffers so its backlog builds up quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any, cast

import orjson
import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from quantum.runtime.bus import Envelope, EventBus, TransportSubscription, text_frame

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def _loop_factories() -> list[Any]:
    params: list[Any] = [pytest.param(asyncio.new_event_loop, id="asyncio")]
    try:
        import uvloop
    except ImportError:  # uvloop is optional (uvicorn uses it when installed)
        params.append(pytest.param(None, id="uvloop", marks=pytest.mark.skip("no uvloop")))
    else:
        params.append(pytest.param(uvloop.new_event_loop, id="uvloop"))
    return params


class _Truncated(Exception):
    """The data ends inside a frame."""


def _frames(data: bytes | bytearray) -> list[Frame]:
    """Parse server-to-client frames with websockets' own parser (unmasked)."""
    reader = StreamReader()
    reader.feed_data(data)
    out = []
    while reader.buffer:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            out.append(done.value)
        else:
            raise _Truncated(f"{len(reader.buffer)} bytes left")
    return out


def _messages(data: bytes | bytearray) -> list[dict[str, Any]]:
    frames = _frames(data)
    assert all(f.opcode is Opcode.TEXT and f.fin for f in frames)
    return [json.loads(f.data) for f in frames]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_text_frame_lengths_parse_as_websocket_frames(size: int) -> None:
    payload = ("é" * (size // 2) + "x" * (size % 2)).encode()
    (frame,) = _frames(text_frame(payload))
    assert frame.opcode is Opcode.TEXT and frame.fin and not frame.rsv1
    assert bytes(frame.data) == payload


@pytest.mark.parametrize("text_size", [124, 125, 126, 65534, 65535, 65536])
def test_a_seq_gaining_a_digit_gets_its_own_frame_header(text_size: int) -> None:
    # The frame header is cached per digit count of ``seq``: where one more digit takes the
    # message across a header size (125 → 126, 65535 → 65536 bytes), each frame must still
    # carry its own length.
    base = len(b'{"type":"tick","seq":,"ts":7,"data":""}') + 1  # + one digit of seq
    envelope = Envelope("tick", 7, orjson.dumps("x" * (text_size - base)))
    seqs = [1, 9, 10, 11, 99, 100, 999_999, 1_000_000]
    frames = [envelope.frame(seq, len(str(seq))) for seq in seqs]
    parsed = _frames(b"".join(frames))
    assert [bytes(f.data) for f in parsed] == [envelope.text(seq) for seq in seqs]
    assert [bytes(f.data) for f in parsed] == [
        b'{"type":"tick","seq":%d,"ts":7,"data":"%b"}' % (seq, b"x" * (text_size - base))
        for seq in seqs
    ]
    assert len(envelope.text(1)) == text_size
    assert frames == [text_frame(envelope.text(seq)) for seq in seqs]


def test_a_connection_counts_its_seq_digits_across_drops() -> None:
    # A lagging client's seq moves on without writes; its next frames must use the new count.
    async def run() -> None:
        bus = EventBus(buffer_limit=100)
        t = _Transport()
        sub = bus.subscribe(1, t)
        bus.set_topics(sub, ["status"], [])
        for i in range(5):
            bus.publish("status", {"i": i}, ts=i)
        t.buffered = 101
        for i in range(5, 120):
            bus.publish("status", {"i": i}, ts=i)
        t.buffered = 0
        bus.publish("status", {"i": 120}, ts=120)
        got = _messages(t.written)
        assert [m["seq"] for m in got] == [1, 2, 3, 4, 5, 121, 122]
        assert [m["type"] for m in got[-2:]] == ["resync", "status"]

    asyncio.run(run())


class _Transport:
    """A transport whose write buffer the test sets (the state machine without sockets)."""

    def __init__(self) -> None:
        self.written = bytearray()
        self.buffered = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += data

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return self.closing

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.high_water = high

    def abort(self) -> None:
        self.closing = True


def test_lagging_client_drops_then_resyncs_with_the_next_seq() -> None:
    async def run() -> None:
        bus = EventBus(buffer_limit=100)
        t, other_t = _Transport(), _Transport()
        sub, other = bus.subscribe(1, t), bus.subscribe(1, other_t)
        assert isinstance(sub, TransportSubscription)
        for s in (sub, other):
            bus.set_topics(s, ["status"], [])
        bus.publish("status", {"i": 1}, ts=1)
        t.buffered = 101  # the client stopped reading
        for i in range(2, 5):
            bus.publish("status", {"i": i}, ts=i)
        assert sub.lagging and sub.dropped == 3 and sub.resyncs == 1
        t.buffered = 50  # draining, not drained: still dropped
        bus.publish("status", {"i": 5}, ts=5)
        assert sub.lagging and sub.dropped == 4
        t.buffered = 0
        bus.publish("status", {"i": 6}, ts=6)
        got = _messages(t.written)
        assert [(m["type"], m["seq"]) for m in got] == [("status", 1), ("resync", 6), ("status", 7)]
        assert got[1]["data"] == {"reason": "slow_consumer"} and got[2]["data"] == {"i": 6}
        assert not sub.lagging
        # The other client on the same bus got everything, in order.
        assert [m["data"]["i"] for m in _messages(other_t.written)] == [1, 2, 3, 4, 5, 6]
        assert [m["seq"] for m in _messages(other_t.written)] == [1, 2, 3, 4, 5, 6]
        # A closing transport gets nothing more (a close frame may already be out).
        other_t.closing = True
        before = len(other_t.written)
        bus.publish("status", {"i": 7}, ts=7)
        assert len(other_t.written) == before
        bus.unsubscribe(sub)
        bus.unsubscribe(other)
        assert bus.clients == 0 and bus.dropped == 4 and bus.resyncs == 1

    asyncio.run(run())


def test_replies_share_the_connection_seq() -> None:
    async def run() -> None:
        bus = EventBus()
        t = _Transport()
        sub = bus.subscribe(3, t)
        sub.offer("subscribed", 10, '{"topics":["tick"]}')
        bus.set_topics(sub, ["tick"], ["BTCUSDT"])
        assert bus.publish("tick", {"p": "1.5"}, symbol="ETHUSDT", ts=11) == 0
        assert bus.publish("tick", {"p": "2.5"}, symbol="BTCUSDT", ts=12) == 1
        assert bus.publish("fill", {"symbol": "BTCUSDT"}, user_id=4) == 0
        sub.offer("error", 13, '{"detail":"x"}')
        assert t.written == b"".join(
            text_frame(m)
            for m in (
                b'{"type":"subscribed","seq":1,"ts":10,"data":{"topics":["tick"]}}',
                b'{"type":"tick","seq":2,"ts":12,"data":{"p":"2.5"}}',
                b'{"type":"error","seq":3,"ts":13,"data":{"detail":"x"}}',
            )
        )

    asyncio.run(run())


async def _serve() -> tuple[asyncio.Server, int, asyncio.Queue[asyncio.Transport]]:
    accepted: asyncio.Queue[asyncio.Transport] = asyncio.Queue()

    class _Accept(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.put_nowait(cast(asyncio.Transport, transport))  # uvloop's is not a subclass

    server = await asyncio.get_running_loop().create_server(_Accept, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1], accepted


def test_each_message_starts_its_round_at_the_next_connection() -> None:
    # The sends of one message go out one after another: a fixed order would make the same
    # client wait for all the others every time.
    async def run() -> None:
        bus = EventBus()
        order: list[int] = []
        for k in range(4):
            t = _Transport()
            t.write = lambda data, k=k: order.append(k)  # type: ignore[method-assign]
            bus.set_topics(bus.subscribe(1, t), ["status"], [])
        for i in range(6):
            bus.publish("status", {"i": i})
        rounds = [order[i : i + 4] for i in range(0, len(order), 4)]
        assert rounds == [[(r + k) % 4 for k in range(4)] for r in range(6)]

    asyncio.run(run())


@pytest.mark.parametrize("loop_factory", _loop_factories())
def test_frames_reach_the_sockets_before_publish_returns(loop_factory: LoopFactory) -> None:
    # uvloop keeps small writes until the end of the loop iteration and then sends them in an
    # order of its own. The bus gets each frame to its socket during ``publish`` instead, so a
    # tick waits for nothing else in the iteration and the rotation above holds on the wire.
    clients = 5

    async def run() -> None:
        server, port, accepted = await _serve()
        bus = EventBus()
        socks = []
        transports = []
        try:
            for _ in range(clients):
                socks.append(socket.create_connection(("127.0.0.1", port)))
                transports.append(await asyncio.wait_for(accepted.get(), 10))
                bus.set_topics(bus.subscribe(1, transports[-1]), ["status"], [])
            for i in range(3):
                assert bus.publish("status", {"i": i}) == clients
                # No await since ``publish``, and the blocking reads below hold the loop's thread:
                # a frame the transport kept back could only go out when the loop runs again.
                for sock in socks:
                    sock.settimeout(2.0)
                    try:
                        data = sock.recv(1 << 16)
                    except TimeoutError:
                        pytest.fail(f"message {i} was still held back when publish returned")
                    assert [(m["seq"], m["data"]["i"]) for m in _messages(data)] == [(i + 1, i)]
        finally:
            for sub in bus.subscriptions:
                bus.unsubscribe(sub)
            for sock in socks:
                sock.close()
            for transport in transports:
                transport.close()
            server.close()
            await server.wait_closed()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run())


@pytest.mark.parametrize("loop_factory", _loop_factories())
def test_client_that_never_reads_is_resynced_and_isolated(loop_factory: LoopFactory) -> None:
    limit = 32 * 1024
    messages = 3000
    blob = "x" * 2000  # ~2 KB per message: 6 MB in all, far beyond any socket buffer

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server, port, accepted = await _serve()
        bus = EventBus(buffer_limit=limit)

        # The slow client: tiny receive buffer, and it reads nothing until told to.
        slow_sock = socket.socket()
        slow_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow_sock.setblocking(False)
        await loop.sock_connect(slow_sock, ("127.0.0.1", port))
        slow_t = await asyncio.wait_for(accepted.get(), 10)
        slow_t.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        fast_t = await asyncio.wait_for(accepted.get(), 10)
        slow, fast = bus.subscribe(1, slow_t), bus.subscribe(1, fast_t)
        for s in (slow, fast):
            bus.set_topics(s, ["status"], [])

        fast_got = bytearray()
        fast_frames = 0

        async def read_fast() -> None:
            nonlocal fast_frames
            while fast_frames < messages:
                fast_got.extend(await reader.read(1 << 16))
                with contextlib.suppress(_Truncated):
                    fast_frames = len(_frames(fast_got))

        fast_reader = asyncio.create_task(read_fast())
        worst_publish = 0.0
        worst_backlog = 0
        for i in range(messages):
            t0 = time.perf_counter()
            bus.publish("status", {"i": i, "blob": blob})
            worst_publish = max(worst_publish, time.perf_counter() - t0)
            worst_backlog = max(worst_backlog, slow_t.get_write_buffer_size())
            if i % 10 == 9:
                await asyncio.sleep(0)  # let the transports flush and the fast client read
        await asyncio.wait_for(fast_reader, 30)

        # The fast client got every message, in order, without a resync.
        got = _messages(fast_got)
        assert [m["data"]["i"] for m in got] == list(range(messages))
        assert [m["seq"] for m in got] == list(range(1, messages + 1))
        assert fast.resyncs == 0 and fast.dropped == 0
        # The slow one was cut off once; its backlog stayed bounded (limit + one message).
        assert slow.lagging and slow.resyncs == 1 and slow.dropped > messages // 2
        assert worst_backlog <= limit + 2100
        # Publishing never waited for it (generous bound: a loaded 2-core CI box).
        assert worst_publish < 0.25

        # The slow client reads again: its backlog arrives, then a resync (with no further
        # publish: the drain watch sends it), then the stream resumes after the resync's seq.
        slow_got = bytearray()

        async def read_slow(until: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
            while True:
                with contextlib.suppress(_Truncated):
                    got = _messages(slow_got)
                    if got and until(got):
                        return got
                slow_got.extend(await asyncio.wait_for(loop.sock_recv(slow_sock, 1 << 16), 10))

        got = await read_slow(lambda got: got[-1]["type"] == "resync")
        assert not slow.lagging
        bus.publish("status", {"i": messages, "blob": ""})
        got = await read_slow(lambda got: got[-1]["type"] == "status")
        backlog = got[:-2]
        assert [m["seq"] for m in backlog] == list(range(1, len(backlog) + 1))
        assert [m["data"]["i"] for m in backlog] == list(range(len(backlog)))
        resync = got[-2]
        assert resync["type"] == "resync" and resync["data"] == {"reason": "slow_consumer"}
        assert resync["seq"] == messages + 1  # every dropped message used up its seq
        assert got[-1]["seq"] == messages + 2 and got[-1]["data"]["i"] == messages
        assert slow.dropped == messages - len(backlog)

        bus.unsubscribe(slow)
        bus.unsubscribe(fast)
        writer.close()
        slow_sock.close()
        slow_t.close()
        fast_t.close()
        server.close()
        await server.wait_closed()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run())
