/**
 * The dashboard's one WebSocket client (docs/api.md "WebSocket /ws").
 *
 * - Subscribes after every (re)connect with `{"op": "subscribe", topics, symbols}`.
 * - Reconnects with exponential backoff (plus jitter) after any close it did not ask for.
 * - Checks the per-connection `seq`: a gap means messages were lost, so it asks the app to
 *   resync (refetch over REST). A reconnect and the server's own `resync` message do the same,
 *   because messages sent while the socket was down are gone.
 *
 * The WebSocket class and the random source are injected so tests can drive it with a fake socket
 * and fake timers.
 */

export interface Envelope<T = unknown> {
  type: string;
  seq: number;
  ts: number;
  data: T;
}

export type ConnectionState = "connecting" | "open" | "closed";
export type ResyncReason = "gap" | "reconnect" | "server";

/** The subset of the browser WebSocket the client uses. */
export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = new (url: string) => SocketLike;

export interface WsClientOptions {
  url: string;
  topics: string[];
  symbols?: string[];
  onMessage: (msg: Envelope) => void;
  onResync: (reason: ResyncReason) => void;
  onState?: (state: ConnectionState) => void;
  WebSocketImpl?: SocketFactory;
  /** First reconnect delay in ms (doubles per failed attempt up to maxDelayMs). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Returns [0, 1); jitter adds up to 20 % to each delay. */
  random?: () => number;
}

const OPEN = 1;

export class WsClient {
  private readonly opts: Required<Omit<WsClientOptions, "onState" | "symbols">> &
    Pick<WsClientOptions, "onState">;
  private symbols: string[];
  private socket: SocketLike | null = null;
  private lastSeq: number | null = null;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stateValue: ConnectionState = "closed";

  constructor(options: WsClientOptions) {
    this.opts = {
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      random: Math.random,
      WebSocketImpl: globalThis.WebSocket as unknown as SocketFactory,
      ...options,
    };
    this.symbols = options.symbols ?? [];
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Number of consecutive failed connection attempts (0 while connected). */
  get attempts(): number {
    return this.attempt;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Close for good: no reconnect. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      s.close(1000, "client stop");
    }
    this.setState("closed");
  }

  /** Change the symbol filter; re-sends the subscription on an open socket. */
  setSymbols(symbols: string[]): void {
    this.symbols = symbols;
    if (this.socket && this.socket.readyState === OPEN) this.subscribe(this.socket);
  }

  /** Delay before the next reconnect attempt `n` (1-based), with jitter. */
  backoffDelay(n: number): number {
    const raw = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (n - 1));
    return Math.round(raw * (1 + 0.2 * this.opts.random()));
  }

  private setState(state: ConnectionState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    this.opts.onState?.(state);
  }

  private connect(): void {
    this.timer = null;
    this.setState("connecting");
    let socket: SocketLike;
    try {
      socket = new this.opts.WebSocketImpl(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.lastSeq = null;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.setState("open");
      this.subscribe(socket);
      // Anything pushed while we were away is lost: refetch.
      if (reconnected) this.opts.onResync("reconnect");
    };
    socket.onmessage = (ev) => this.handle(ev.data);
    socket.onerror = () => {
      // The close event follows and drives the reconnect.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setState("closed");
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private subscribe(socket: SocketLike): void {
    socket.send(JSON.stringify({ op: "subscribe", topics: this.opts.topics, symbols: this.symbols }));
  }

  private scheduleReconnect(): void {
    this.attempt += 1;
    this.setState("closed");
    this.timer = setTimeout(() => this.connect(), this.backoffDelay(this.attempt));
  }

  private handle(raw: unknown): void {
    if (typeof raw !== "string") return;
    let msg: Envelope;
    try {
      msg = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (typeof msg !== "object" || msg === null || typeof msg.type !== "string") return;
    if (typeof msg.seq === "number") {
      const gap = this.lastSeq !== null && msg.seq !== this.lastSeq + 1;
      this.lastSeq = msg.seq;
      if (gap) this.opts.onResync("gap");
    }
    if (msg.type === "resync") {
      this.opts.onResync("server");
      return;
    }
    this.opts.onMessage(msg);
  }
}

/** ws:// or wss:// URL of the service's /ws endpoint, relative to the page. */
export function defaultWsUrl(loc: Location = window.location): string {
  const proto = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${loc.host}/ws`;
}
