import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Envelope, type ResyncReason, type SocketLike, WsClient } from "./ws";

/** A fake WebSocket the test drives by hand. */
class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  push(msg: Partial<Envelope>): void {
    this.onmessage?.({ data: JSON.stringify({ ts: 1, data: {}, ...msg }) });
  }
}

const last = () => {
  const s = FakeSocket.instances.at(-1);
  if (!s) throw new Error("no socket");
  return s;
};

function makeClient() {
  const messages: Envelope[] = [];
  const resyncs: ResyncReason[] = [];
  const states: string[] = [];
  const client = new WsClient({
    url: "ws://test/ws",
    topics: ["tick", "status"],
    symbols: ["BTCUSDT"],
    onMessage: (m) => messages.push(m),
    onResync: (r) => resyncs.push(r),
    onState: (s) => states.push(s),
    WebSocketImpl: FakeSocket,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0,
  });
  return { client, messages, resyncs, states };
}

beforeEach(() => {
  FakeSocket.instances = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("WsClient", () => {
  it("subscribes on open and delivers messages in order", () => {
    const { client, messages, resyncs, states } = makeClient();
    client.start();
    const s = last();
    expect(s.url).toBe("ws://test/ws");
    s.open();
    expect(JSON.parse(s.sent[0] ?? "")).toEqual({ op: "subscribe", topics: ["tick", "status"], symbols: ["BTCUSDT"] });
    s.push({ type: "subscribed", seq: 1 });
    s.push({ type: "tick", seq: 2 });
    s.push({ type: "status", seq: 3 });
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(resyncs).toEqual([]);
    expect(states).toEqual(["connecting", "open"]);
  });

  it("asks for a resync on a sequence gap and keeps the message", () => {
    const { client, messages, resyncs } = makeClient();
    client.start();
    last().open();
    last().push({ type: "tick", seq: 1 });
    last().push({ type: "tick", seq: 4 });
    last().push({ type: "tick", seq: 5 });
    expect(resyncs).toEqual(["gap"]);
    expect(messages.map((m) => m.seq)).toEqual([1, 4, 5]);
  });

  it("treats the server's resync message as a resync, not as data", () => {
    const { client, messages, resyncs } = makeClient();
    client.start();
    last().open();
    last().push({ type: "resync", seq: 1, data: { reason: "slow_consumer" } });
    expect(resyncs).toEqual(["server"]);
    expect(messages).toEqual([]);
  });

  it("reconnects with exponential backoff and resyncs after reconnecting", () => {
    const { client, resyncs, states } = makeClient();
    client.start();
    last().open();
    last().push({ type: "tick", seq: 7 });
    last().drop();
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    // The second attempt fails: the delay doubles.
    last().drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);
    last().open();
    expect(resyncs).toEqual(["reconnect"]);
    // seq restarts per connection: no false gap.
    last().push({ type: "tick", seq: 1 });
    last().push({ type: "tick", seq: 2 });
    expect(resyncs).toEqual(["reconnect"]);
    expect(client.attempts).toBe(0);
    expect(states.at(-1)).toBe("open");
    expect(states).toContain("closed");
  });

  it("caps the backoff and adds jitter", () => {
    const c = new WsClient({
      url: "ws://x",
      topics: [],
      onMessage: () => {},
      onResync: () => {},
      WebSocketImpl: FakeSocket,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      random: () => 0.5,
    });
    expect(c.backoffDelay(1)).toBe(110);
    expect(c.backoffDelay(3)).toBe(440);
    expect(c.backoffDelay(10)).toBe(1100);
  });

  it("does not reconnect after stop()", () => {
    const { client } = makeClient();
    client.start();
    last().open();
    client.stop();
    expect(last().closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it("re-sends the subscription when the symbols change", () => {
    const { client } = makeClient();
    client.start();
    last().open();
    client.setSymbols(["ETHUSDT"]);
    expect(JSON.parse(last().sent[1] ?? "").symbols).toEqual(["ETHUSDT"]);
  });

  it("ignores malformed frames", () => {
    const { client, messages, resyncs } = makeClient();
    client.start();
    last().open();
    last().onmessage?.({ data: "not json" });
    last().onmessage?.({ data: JSON.stringify({ nope: 1 }) });
    expect(messages).toEqual([]);
    expect(resyncs).toEqual([]);
  });
});
