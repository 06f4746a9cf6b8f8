/**
 * A small stand-in for `quantum serve`, implementing the subset of docs/api.md that the browser
 * tests touch, so they can run before the real service exists (E2E_TARGET=mock). It simulates a
 * random-walk market, emits signals, keeps one paper account per user, pushes WebSocket envelopes
 * with per-connection sequence numbers, and serves the built dashboard from python/quantum/_web.
 *
 * Usage: tsx e2e/mock-server.ts --port 8765 [--static ../python/quantum/_web] [--tick-hz 50]
 * Users: QUANTUM_ADMIN_USER / QUANTUM_ADMIN_PASSWORD (admin); more via POST /api/users.
 * Test hooks (mock only): POST /__mock/drop-ws closes every socket; POST /__mock/skip-seq makes the
 * next message of every connection skip a sequence number; POST /__mock/book-gap?symbol=S turns the
 * feed into a simulated exchange feed with native L2 books (status.feed_status) and makes S's book
 * miss a sequence number, so it goes invalid and its prices stop; POST /__mock/book-resync?symbol=S
 * applies a fresh snapshot to it, as the real feed does after a gap.
 *
 * Every JSON response and WebSocket payload is checked against the real service's OpenAPI schema
 * (web/openapi.json, e2e/contract.ts) before it is sent. One that does not match is not sent: the
 * request gets a 500, the message is dropped, the error is logged and listed at
 * GET /__mock/contract-violations, which the browser tests check after every test.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { extname, join, resolve } from "node:path";
import { type WebSocket, WebSocketServer } from "ws";
import { Contract } from "./contract";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]?.replace(/^--/, "") ?? "", process.argv[i + 1] ?? "");
const PORT = Number(args.get("port") ?? process.env.PORT ?? 8765);
const STATIC = resolve(args.get("static") ?? join(import.meta.dirname, "../../python/quantum/_web"));
const TICK_HZ = Number(args.get("tick-hz") ?? 50);
const NS = 1_000_000_000;

type Side = "LONG" | "SHORT";
const nowNs = () => Date.now() * 1_000_000;
const d8 = (x: number) => x.toFixed(8);
const contract = Contract.load();
/** Responses and messages the mock refused to send because they break the API's contract. */
const violations: string[] = [];
function violation(text: string): void {
  violations.push(text);
  console.error(`mock: CONTRACT VIOLATION: ${text}`);
}

interface User {
  id: number;
  username: string;
  password: string;
  role: "admin" | "user";
  /** The strategies trade the account themselves (the real service: automation.json). */
  automated: boolean;
}
interface Position {
  id: string;
  symbol: string;
  side: Side;
  size: number;
  entry: number;
  leverage: number;
  opened_ts: number;
}
interface Trade {
  id: string;
  symbol: string;
  side: Side;
  size: string;
  entry_price: string;
  exit_price: string | null;
  pnl: string | null;
  pnl_fraction: string | null;
  fees: string;
  status: "OPEN" | "CLOSED";
  entry_ts: number;
  exit_ts: number | null;
  exit_reason: string | null;
  confidence: number;
  strategy: string;
}
interface Signal {
  id: string;
  symbol: string;
  side: Side;
  price: string;
  confidence: number;
  strategy: string;
  reason: string;
  status: "PENDING" | "EXECUTED" | "EXPIRED" | "REJECTED";
  ts: number;
}
interface Account {
  cash: number;
  peak: number;
  positions: Map<string, Position>;
  trades: Trade[];
  signals: Signal[];
  equity: { ts: number; equity: string }[];
  /** What the account's engine refused, by `kind:reason` (as the core reports it). */
  rejections: Map<string, number>;
}

const START_EQUITY = 10_000;
const LIMITS = {
  max_drawdown: 0.15,
  max_position_notional: 0.05,
  max_trades_per_day: 50,
  max_leverage: 10,
  max_open_positions: 5,
  kelly_fraction: 0.25,
  kelly_min_trades: 20,
  fixed_fraction: 0.01,
  fixed_qty: null,
};
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const prices = new Map<string, number>([
  ["BTCUSDT", 64000],
  ["ETHUSDT", 3200],
]);
const history = new Map<string, { ts: number; price: string }[]>(SYMBOLS.map((s) => [s, []]));
const users: User[] = [
  {
    id: 1,
    username: process.env.QUANTUM_ADMIN_USER ?? "admin",
    password: process.env.QUANTUM_ADMIN_PASSWORD ?? "admin-password",
    role: "admin",
    // A fresh start: the admin's account is automated until someone chooses.
    automated: true,
  },
];
const sessions = new Map<string, number>();
const accounts = new Map<number, Account>();
let nextId = 1;
const newId = (kind: string) => `${kind}-mock-${nextId++}`;
/** Tick rejections are the same for every account: they are the feed's. */
const tickRejections = new Map<string, number>();
const stats = { ticks: 0, rejected: 0, signals: 0, trades: 0, started: Date.now() };
const engine: "running" | "stopped" = "running";

/** One simulated native L2 book, with the counters of the service's BookStatus. */
interface BookSim {
  valid: boolean;
  seq: number;
  gaps: number;
  resyncs: number;
  snapshots: number;
  updates: number;
  dropped: number;
  last_error: string | null;
}
/** Null until a book hook runs: the mock starts as a replayed feed, which has no feed_status. */
let exchangeBooks: Map<string, BookSim> | null = null;

function exchangeFeed(): Map<string, BookSim> {
  exchangeBooks ??= new Map(
    SYMBOLS.map((s) => [s, { valid: true, seq: 1000, gaps: 0, resyncs: 0, snapshots: 1, updates: 0, dropped: 0, last_error: null }]),
  );
  return exchangeBooks;
}
function feedStatusJson() {
  if (!exchangeBooks) return null;
  const books = Object.fromEntries(
    [...exchangeBooks].map(([s, b]) => [
      s,
      {
        valid: b.valid,
        gaps: b.gaps,
        checksum_failures: 0,
        book_errors: 0,
        resyncs: b.resyncs,
        snapshots: b.snapshots,
        updates: b.updates,
        dropped: b.dropped,
        buffered: 0,
        last_error: b.last_error,
        resync_requests: b.resyncs,
      },
    ]),
  );
  const all = [...exchangeBooks.values()];
  const sum = (f: (b: BookSim) => number) => all.reduce((n, b) => n + f(b), 0);
  return {
    connected: true,
    native_book: true,
    books_valid: all.every((b) => b.valid),
    gaps: sum((b) => b.gaps),
    checksum_failures: 0,
    resyncs: sum((b) => b.resyncs),
    retries: 0,
    books,
  };
}

function account(uid: number): Account {
  let a = accounts.get(uid);
  if (!a) {
    a = { cash: START_EQUITY, peak: START_EQUITY, positions: new Map(), trades: [], signals: [], equity: [], rejections: new Map() };
    const t0 = nowNs() - 60 * NS;
    for (let i = 0; i <= 60; i += 5) a.equity.push({ ts: t0 + i * NS, equity: d8(START_EQUITY) });
    accounts.set(uid, a);
  }
  return a;
}

function upnl(p: Position): number {
  const px = prices.get(p.symbol) ?? p.entry;
  return (p.side === "LONG" ? px - p.entry : p.entry - px) * p.size;
}
function equityOf(a: Account): number {
  let e = a.cash;
  for (const p of a.positions.values()) e += upnl(p);
  return e;
}
function positionJson(p: Position) {
  const px = prices.get(p.symbol) ?? p.entry;
  const liq = p.leverage > 1 ? (p.side === "LONG" ? p.entry * (1 - 1 / p.leverage + 0.004) : p.entry * (1 + 1 / p.leverage - 0.004)) : null;
  return {
    id: p.id,
    symbol: p.symbol,
    side: p.side,
    size: d8(p.size),
    entry_price: d8(p.entry),
    current_price: d8(px),
    unrealized_pnl: d8(upnl(p)),
    leverage: p.leverage,
    liquidation_price: liq === null ? null : d8(liq),
    take_profit: d8(p.entry * (p.side === "LONG" ? 1.01 : 0.99)),
    stop_loss: d8(p.entry * (p.side === "LONG" ? 0.995 : 1.005)),
    opened_ts: p.opened_ts,
    closed_ts: null,
  };
}
function count(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}
function rejectionsJson(a: Account) {
  const out = { ticks: {} as Record<string, number>, signals: {} as Record<string, number>, orders: {} as Record<string, number>, other: {} as Record<string, number> };
  const group = { tick: out.ticks, signal: out.signals, risk: out.orders } as Record<string, Record<string, number>>;
  for (const [key, n] of [...tickRejections, ...a.rejections]) {
    const [kind = "", reason = ""] = key.split(":", 2);
    const into = reason ? group[kind] : undefined;
    if (into) into[reason] = (into[reason] ?? 0) + n;
    else out.other[key] = (out.other[key] ?? 0) + n;
  }
  return out;
}
function riskJson(a: Account) {
  const eq = equityOf(a);
  a.peak = Math.max(a.peak, eq);
  const dd = a.peak > 0 ? 1 - eq / a.peak : 0;
  const r = dd / LIMITS.max_drawdown;
  return {
    equity: d8(eq),
    peak_equity: d8(a.peak),
    drawdown_fraction: dd,
    drawdown_amount: d8(Math.max(0, a.peak - eq)),
    drawdown_limit_fraction: LIMITS.max_drawdown,
    risk_level: r < 0.25 ? "Low" : r < 0.5 ? "Medium" : r < 0.75 ? "High" : "Critical",
    halted: false,
    halt_reason: null,
    trades_today: a.trades.length,
    limits: LIMITS,
    positions: [...a.positions.values()].map(positionJson),
    rejections: rejectionsJson(a),
  };
}
function statusJson() {
  return {
    engine_state: engine,
    feed_connected: true,
    feed: exchangeBooks ? `binance ${SYMBOLS.join(",")} (book)` : "replay",
    feed_status: feedStatusJson(),
    ticks_processed: stats.ticks,
    ticks_rejected: stats.rejected,
    signals: stats.signals,
    trades: stats.trades,
    writer_backlog: 0,
    latency_us: { p50: 3.2, p99: 11.8 },
    uptime_s: (Date.now() - stats.started) / 1000,
  };
}
function performanceJson(a: Account) {
  const closed = a.trades.filter((t) => t.status === "CLOSED");
  const pnls = closed.map((t) => Number(t.pnl));
  const wins = pnls.filter((x) => x > 0);
  const losses = pnls.filter((x) => x < 0);
  const heat = new Map<string, number>();
  for (const t of closed) {
    const d = new Date((t.exit_ts ?? 0) / 1e6);
    const key = `${(d.getUTCDay() + 6) % 7}:${d.getUTCHours()}`;
    heat.set(key, (heat.get(key) ?? 0) + Number(t.pnl));
  }
  const lossSum = -losses.reduce((s, x) => s + x, 0);
  // As the service: the largest fall of capital + cumulative closed P&L from its running peak
  // (in exit order), as an amount and as a fraction of that peak.
  let equity = START_EQUITY;
  let peak = START_EQUITY;
  let ddAmount = 0;
  let ddFraction = 0;
  for (const t of [...closed].sort((x, y) => (x.exit_ts ?? 0) - (y.exit_ts ?? 0))) {
    equity += Number(t.pnl);
    peak = Math.max(peak, equity);
    ddAmount = Math.max(ddAmount, peak - equity);
    ddFraction = Math.max(ddFraction, peak > 0 ? (peak - equity) / peak : 0);
  }
  return {
    total_trades: closed.length,
    win_rate: closed.length ? wins.length / closed.length : 0,
    total_pnl: d8(pnls.reduce((s, x) => s + x, 0)),
    profit_factor: lossSum > 0 ? wins.reduce((s, x) => s + x, 0) / lossSum : null,
    sharpe: null,
    sortino: null,
    max_drawdown_fraction: ddFraction,
    max_drawdown_amount: d8(ddAmount),
    heatmap: [...heat].map(([k, pnl]) => {
      const [weekday, hour] = k.split(":").map(Number);
      return { weekday, hour, pnl: d8(pnl) };
    }),
  };
}

// --- WebSocket -------------------------------------------------------------------------------
interface Client {
  ws: WebSocket;
  uid: number;
  seq: number;
  topics: Set<string>;
  symbols: Set<string>;
  skip: boolean;
}
const clients = new Set<Client>();
function send(c: Client, type: string, data: unknown): void {
  if (c.ws.readyState !== c.ws.OPEN) return;
  const wrong = contract.checkMessage(type, data);
  if (wrong) return violation(wrong);
  c.seq += c.skip ? 2 : 1;
  c.skip = false;
  c.ws.send(JSON.stringify({ type, seq: c.seq, ts: nowNs(), data }));
}
function publish(type: string, data: unknown, opts: { uid?: number; symbol?: string } = {}): void {
  for (const c of clients) {
    if (!c.topics.has(type)) continue;
    if (opts.uid !== undefined && c.uid !== opts.uid) continue;
    if (opts.symbol && c.symbols.size > 0 && !c.symbols.has(opts.symbol)) continue;
    send(c, type, data);
  }
}

// --- Market simulation ---------------------------------------------------------------------------
let tickCount = 0;
setInterval(() => {
  if (engine !== "running") return;
  tickCount++;
  for (const s of SYMBOLS) {
    const book = exchangeBooks?.get(s);
    if (book) {
      book.seq++;
      // An invalid book yields no prices until a snapshot resyncs it (as the service's feed).
      if (!book.valid) {
        book.dropped++;
        continue;
      }
      book.updates++;
    }
    stats.ticks++;
    // Like the shipped recording, a few percent of ticks are refused by the sanitizer.
    if (tickCount % 13 === 0) {
      stats.rejected++;
      count(tickRejections, tickCount % 39 === 0 ? "tick:wide_spread" : "tick:time_backwards");
      continue;
    }
    const p = (prices.get(s) ?? 1) * (1 + (Math.random() - 0.5) * 0.0006);
    prices.set(s, p);
    const ts = nowNs();
    const h = history.get(s);
    h?.push({ ts, price: d8(p) });
    if (h && h.length > 2000) h.shift();
    const spread = p * 0.00005;
    publish("tick", { exchange: "replay", symbol: s, price: d8(p), bid: d8(p - spread), ask: d8(p + spread), ts }, { symbol: s });
  }
  if (tickCount % Math.max(1, Math.round(TICK_HZ / 2)) === 0) {
    for (const [uid, a] of accounts) {
      for (const p of a.positions.values()) publish("position", positionJson(p), { uid });
    }
  }
  if (tickCount % TICK_HZ === 0) {
    publish("status", statusJson());
    for (const [uid, a] of accounts) {
      a.equity.push({ ts: nowNs(), equity: d8(equityOf(a)) });
      if (a.equity.length > 5000) a.equity.shift();
      publish("risk", riskJson(a), { uid });
    }
  }
  if (tickCount % (TICK_HZ * 2) === 0) {
    // Every user's strategy emits a signal on the same market.
    for (const [uid, a] of accounts) {
      const symbol = SYMBOLS[Math.floor(Math.random() * SYMBOLS.length)] ?? "BTCUSDT";
      const sig: Signal = {
        id: newId("sig"),
        symbol,
        side: Math.random() < 0.5 ? "LONG" : "SHORT",
        price: d8(prices.get(symbol) ?? 0),
        confidence: 0.6 + Math.random() * 0.3,
        strategy: "momentum",
        reason: "ema cross + volume",
        status: "PENDING",
        ts: nowNs(),
      };
      stats.signals++;
      const auto = users.find((u) => u.id === uid)?.automated ?? false;
      if (auto) {
        // The strategies trade the account themselves: the signal is acted on, or refused.
        if (a.positions.has(symbol)) {
          count(a.rejections, "signal:same_side");
          continue;
        }
        if (placeOrder(uid, symbol, sig.side, null, 1, sig).status !== 200) continue;
        sig.status = "EXECUTED";
      }
      a.signals.unshift(sig);
      a.signals.length = Math.min(a.signals.length, 200);
      publish("signal", sig, { uid });
    }
  }
}, 1000 / TICK_HZ);

// --- Orders ------------------------------------------------------------------------------------
type OrderOutcome = { status: number; body: unknown };
function placeOrder(uid: number, symbol: string, side: Side, qty: number | null, leverage: number, signal: Signal | null): OrderOutcome {
  const a = account(uid);
  const px = prices.get(symbol);
  if (px === undefined) return { status: 400, body: { detail: `unknown symbol '${symbol}'; known: ${SYMBOLS.join(", ")}` } };
  const eq = equityOf(a);
  const size = qty ?? (eq * LIMITS.fixed_fraction * leverage) / px;
  const refuse = (reason: string, detail: string) => {
    count(a.rejections, `risk:${reason}`);
    return { status: 409, body: { detail: `DRB-Guard refused the order: ${reason} (${detail})`, reason } };
  };
  if (leverage > LIMITS.max_leverage) return refuse("leverage_cap", `leverage ${leverage} above the cap ${LIMITS.max_leverage}`);
  if (size <= 0) return refuse("zero_size", "order size rounds to zero");
  if (size * px > eq * LIMITS.max_position_notional * leverage)
    return refuse("notional_cap", `notional ${(size * px).toFixed(2)} above the cap of ${LIMITS.max_position_notional * 100}% of equity`);
  if (a.positions.size >= LIMITS.max_open_positions && !a.positions.has(symbol))
    return refuse("max_open_positions", "too many open positions");
  const ts = nowNs();
  const pos: Position = { id: newId("pos"), symbol, side, size, entry: px, leverage, opened_ts: ts };
  a.positions.set(symbol, pos);
  const trade: Trade = {
    id: pos.id,
    symbol,
    side,
    size: d8(size),
    entry_price: d8(px),
    exit_price: null,
    pnl: null,
    pnl_fraction: null,
    fees: d8(size * px * 0.0005),
    status: "OPEN",
    entry_ts: ts,
    exit_ts: null,
    exit_reason: null,
    confidence: signal?.confidence ?? 1,
    strategy: signal?.strategy ?? "manual",
  };
  a.trades.unshift(trade);
  a.cash -= Number(trade.fees);
  const orderSide = side === "LONG" ? "BUY" : "SELL";
  publish("fill", { symbol, side: orderSide, qty: d8(size), price: d8(px), fee: trade.fees, kind: "open", exit_reason: null, ts }, { uid });
  publish("position", positionJson(pos), { uid });
  return { status: 200, body: { order: { symbol, side, qty: d8(size) }, signal } };
}
function closePosition(uid: number, symbol: string): boolean {
  const a = account(uid);
  const pos = a.positions.get(symbol);
  if (!pos) return false;
  const px = prices.get(symbol) ?? pos.entry;
  const fee = pos.size * px * 0.0005;
  const pnl = upnl(pos) - fee;
  a.cash += pnl;
  a.positions.delete(symbol);
  const trade = a.trades.find((t) => t.id === pos.id);
  if (trade) {
    trade.exit_price = d8(px);
    trade.pnl = d8(pnl);
    trade.pnl_fraction = d8(pnl / (pos.size * pos.entry));
    trade.fees = d8(Number(trade.fees) + fee);
    trade.status = "CLOSED";
    trade.exit_ts = nowNs();
    trade.exit_reason = "manual";
  }
  stats.trades++;
  a.equity.push({ ts: nowNs(), equity: d8(equityOf(a)) });
  const closeSide = pos.side === "LONG" ? "SELL" : "BUY";
  publish("fill", { symbol, side: closeSide, qty: d8(pos.size), price: d8(px), fee: d8(fee), kind: "close", exit_reason: "manual", ts: nowNs() }, { uid });
  publish("position", { symbol, closed: true }, { uid });
  if (trade) publish("trade", trade, { uid });
  publish("risk", riskJson(a), { uid });
  return true;
}

// --- HTTP --------------------------------------------------------------------------------------
function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const req = res.req;
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const wrong = path.startsWith("/__mock/") ? null : contract.checkResponse(req.method ?? "GET", path, status, body);
  if (wrong) {
    violation(wrong);
    res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ detail: `mock contract violation: ${wrong}` }));
    return;
  }
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}
const userJson = (u: User) => ({ id: u.id, username: u.username, role: u.role, active: true });
/** FastAPI's 422 body. */
const invalid = (field: string, msg: string) => ({ detail: [{ loc: ["body", field], msg, type: "value_error" }] });
function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)quantum_session=([^;]+)/.exec(req.headers.cookie ?? "");
  return m?.[1] ?? null;
}
function authUser(req: IncomingMessage, url: URL): User | null {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const token = bearer ?? cookieToken(req) ?? url.searchParams.get("token");
  const uid = token ? sessions.get(token) : undefined;
  return users.find((u) => u.id === uid) ?? null;
}
async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  return JSON.parse(text) as Record<string, unknown>;
}
function page<T>(items: T[], url: URL) {
  const limit = Math.min(500, Number(url.searchParams.get("limit") ?? 50));
  const offset = Number(url.searchParams.get("offset") ?? 0);
  return { items: items.slice(offset, offset + limit), total: items.length };
}
const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};
function serveStatic(res: ServerResponse, path: string): void {
  let file = join(STATIC, path);
  if (!file.startsWith(STATIC) || !existsSync(file) || statSync(file).isDirectory()) file = join(STATIC, "index.html");
  if (!existsSync(file)) {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("dashboard not built: run `npm run build`");
    return;
  }
  const immutable = path.startsWith("/assets/");
  res.writeHead(200, {
    "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
    "Cache-Control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
  });
  res.end(readFileSync(file));
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (!path.startsWith("/api/") && !path.startsWith("/__mock/")) return serveStatic(res, path);
  if (path === "/api/health") return json(res, 200, { status: "ok", version: "mock", engine });
  if (path === "/api/auth/login" && method === "POST") {
    const body = await readBody(req);
    const u = users.find((x) => x.username === body.username && x.password === body.password);
    if (!u) return json(res, 401, { detail: "invalid username or password" });
    const token = randomBytes(18).toString("hex");
    sessions.set(token, u.id);
    account(u.id);
    return json(res, 200, { user: userJson(u), token }, {
      "Set-Cookie": `quantum_session=${token}; HttpOnly; SameSite=Strict; Path=/`,
    });
  }
  if (path === "/__mock/contract-violations") return json(res, 200, violations);
  if (path === "/__mock/drop-ws" && method === "POST") {
    for (const c of clients) c.ws.terminate();
    return json(res, 200, { dropped: true });
  }
  if (path === "/__mock/skip-seq" && method === "POST") {
    for (const c of clients) c.skip = true;
    return json(res, 200, { skipped: true });
  }
  if ((path === "/__mock/book-gap" || path === "/__mock/book-resync") && method === "POST") {
    const symbol = url.searchParams.get("symbol") ?? "";
    const book = exchangeFeed().get(symbol);
    if (!book) return json(res, 404, { detail: `unknown symbol ${symbol}` });
    if (path === "/__mock/book-gap") {
      book.gaps++;
      book.valid = false;
      book.last_error = `SequenceGap: ${symbol} update ${book.seq + 2} after ${book.seq}, expected ${book.seq + 1}`;
      book.seq += 2;
    } else {
      if (!book.valid) book.resyncs++;
      book.valid = true;
      book.snapshots++;
      book.last_error = null;
    }
    publish("status", statusJson());
    return json(res, 200, feedStatusJson());
  }
  const user = authUser(req, url);
  if (!user) return json(res, 401, { detail: "not authenticated" });
  const a = account(user.id);
  const admin = () => {
    if (user.role === "admin") return true;
    json(res, 403, { detail: "admin only" });
    return false;
  };

  if (path === "/api/auth/logout" && method === "POST") {
    const t = cookieToken(req);
    if (t) sessions.delete(t);
    res.writeHead(204, { "Set-Cookie": "quantum_session=; Max-Age=0; Path=/" });
    return void res.end();
  }
  if (path === "/api/auth/me") return json(res, 200, userJson(user));
  if (path === "/api/users" && method === "POST") {
    if (!admin()) return;
    const b = await readBody(req);
    if (typeof b.username !== "string") return json(res, 422, invalid("username", "Field required"));
    if (typeof b.password !== "string") return json(res, 422, invalid("password", "Field required"));
    if (users.some((u) => u.username === b.username)) return json(res, 409, { detail: "user exists" });
    const u: User = { id: users.length + 1, username: b.username, password: b.password, role: b.role === "admin" ? "admin" : "user", automated: false };
    users.push(u);
    return json(res, 201, userJson(u));
  }
  if (path === "/api/users") return admin() ? json(res, 200, users.map(userJson)) : undefined;
  const automation = /^\/api\/users\/(\d+)\/automation$/.exec(path);
  if (automation && (method === "GET" || method === "PUT")) {
    if (!admin()) return;
    const target = users.find((u) => u.id === Number(automation[1]));
    if (!target) return json(res, 404, { detail: "no such user" });
    if (method === "PUT") {
      const b = await readBody(req);
      if (typeof b.enabled !== "boolean") return json(res, 422, invalid("enabled", "Input should be a valid boolean"));
      target.automated = b.enabled;
    }
    return json(res, 200, { user_id: target.id, enabled: target.automated });
  }
  if (path === "/api/status") return json(res, 200, statusJson());
  if (path === "/api/performance") return json(res, 200, performanceJson(a));
  if (path === "/api/equity") return json(res, 200, a.equity);
  if (path === "/api/risk") return json(res, 200, riskJson(a));
  if (path === "/api/risk/reset" && method === "POST") return admin() ? json(res, 200, riskJson(a)) : undefined;
  if (path === "/api/exchanges")
    return json(res, 200, [
      { id: "replay", name: "Replay (embedded)", type: "swap", active: true, available: true, symbols: SYMBOLS },
      { id: "binance", name: "Binance USDⓈ-M", type: "futures", active: false, available: false, symbols: SYMBOLS },
    ]);
  if (path === "/api/market") {
    const symbol = url.searchParams.get("symbol") ?? "";
    const px = prices.get(symbol);
    if (px === undefined) return json(res, 404, { detail: `unknown symbol ${symbol}` });
    const lv = (i: number, sgn: number): [string, string] => [d8(px * (1 + sgn * 0.00005 * (i + 1))), d8(0.5 + i * 0.25)];
    return json(res, 200, {
      exchange: "replay",
      symbol,
      price: d8(px),
      bid: d8(px * 0.99995),
      ask: d8(px * 1.00005),
      funding_rate: "0.00010000",
      volume_24h: d8(px * 12345),
      open_interest: d8(px * 4321),
      ts: nowNs(),
      book: { bids: [0, 1, 2, 3, 4].map((i) => lv(i, -1)), asks: [0, 1, 2, 3, 4].map((i) => lv(i, 1)) },
    });
  }
  if (path === "/api/market/history") {
    const h = history.get(url.searchParams.get("symbol") ?? "") ?? [];
    return json(res, 200, h.slice(-Number(url.searchParams.get("limit") ?? 500)));
  }
  if (path.startsWith("/api/streams/") && method === "POST") {
    const b = await readBody(req);
    return json(res, 200, { exchange: b.exchange, symbol: b.symbol, running: path.endsWith("/start") });
  }
  if (path === "/api/signals") {
    const st = url.searchParams.get("status");
    return json(res, 200, page(st ? a.signals.filter((s) => s.status === st) : a.signals, url));
  }
  const exec = /^\/api\/signals\/([^/]+)\/execute$/.exec(path);
  if (exec && method === "POST") {
    const sig = a.signals.find((s) => s.id === decodeURIComponent(exec[1] ?? ""));
    if (!sig) return json(res, 404, { detail: "no such signal" });
    if (sig.status !== "PENDING") return json(res, 409, { detail: "the signal is not pending" });
    const out = placeOrder(user.id, sig.symbol, sig.side, null, 1, sig);
    if (out.status === 200) {
      sig.status = "EXECUTED";
      publish("signal", sig, { uid: user.id });
    }
    return json(res, out.status, out.body);
  }
  if (path === "/api/orders" && method === "POST") {
    const b = await readBody(req);
    if (typeof b.symbol !== "string" || (b.side !== "LONG" && b.side !== "SHORT")) return json(res, 422, invalid("side", "Input should be 'LONG' or 'SHORT'"));
    const qty = b.qty === undefined || b.qty === null ? null : Number(b.qty);
    if (qty !== null && !Number.isFinite(qty)) return json(res, 422, invalid("qty", "Input should be a valid decimal"));
    const out = placeOrder(user.id, b.symbol, b.side, qty, typeof b.leverage === "number" ? b.leverage : 1, null);
    return json(res, out.status, out.body);
  }
  const close = /^\/api\/positions\/([^/]+)\/close$/.exec(path);
  if (close && method === "POST") {
    const symbol = decodeURIComponent(close[1] ?? "");
    return closePosition(user.id, symbol) ? json(res, 202, { symbol }) : json(res, 404, { detail: `no open position in ${symbol}` });
  }
  if (path === "/api/positions") return json(res, 200, url.searchParams.get("status") === "closed" ? [] : [...a.positions.values()].map(positionJson));
  if (path === "/api/trades" || path === "/api/trades.csv") {
    const sym = url.searchParams.get("symbol");
    const st = url.searchParams.get("status");
    const list = a.trades.filter((t) => (!sym || t.symbol === sym) && (!st || t.status === st));
    if (path === "/api/trades") return json(res, 200, page(list, url));
    const cols = Object.keys(list[0] ?? { id: 0 }) as (keyof Trade)[];
    res.writeHead(200, { "Content-Type": "text/csv", "Content-Disposition": 'attachment; filename="trades.csv"' });
    return void res.end([cols.join(","), ...list.map((t) => cols.map((c) => String(t[c] ?? "")).join(","))].join("\n"));
  }
  if (path === "/api/backtests") return json(res, 200, []);
  if (path === "/api/credentials") return json(res, 200, []);
  // Not implemented here: the contract check reports it (a route the mock lacks, or one the API
  // does not have), so a test that reaches it fails.
  return json(res, 404, { detail: "Not Found" });
}

const server = createServer((req, res) => {
  route(req, res).catch((err: unknown) => json(res, 400, { detail: String(err) }));
});
const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const user = url.pathname === "/ws" ? authUser(req, url) : null;
  if (!user) {
    socket.write("HTTP/1.1 401 Unauthorized\r\n\r\n");
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c: Client = { ws, uid: user.id, seq: 0, topics: new Set(), symbols: new Set(), skip: false };
    clients.add(c);
    ws.on("message", (raw) => {
      try {
        const m = JSON.parse(String(raw)) as { op?: string; topics?: string[]; symbols?: string[] };
        if (m.op !== "subscribe") return;
        c.topics = new Set(m.topics ?? []);
        c.symbols = new Set(m.symbols ?? []);
        send(c, "subscribed", { topics: [...c.topics], symbols: [...c.symbols] });
        send(c, "status", statusJson());
      } catch {
        ws.close(1003, "bad message");
      }
    });
    ws.on("close", () => clients.delete(c));
  });
});
server.listen(PORT, "127.0.0.1", () => console.log(`mock service on http://127.0.0.1:${PORT} (static ${STATIC})`));
