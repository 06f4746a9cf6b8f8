/**
 * REST client for the service. Same origin, session cookie (http-only) for auth. Every error
 * becomes an ApiError that carries the status, the server's `detail` and, for DRB-Guard refusals
 * (409), the `reason` code.
 */
import type {
  Automation,
  Backtest,
  BacktestRequest,
  Credential,
  CredentialCreate,
  EquityPoint,
  Exchange,
  LiveTrading,
  Market,
  OrderRequest,
  OrderResult,
  Page,
  Performance,
  Position,
  PricePoint,
  RiskLimits,
  RiskState,
  Signal,
  SignalStatus,
  StreamState,
  SystemStatus,
  Trade,
  User,
} from "./types";

export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly reason: string | null;

  constructor(status: number, detail: string, reason: string | null) {
    super(reason ? `${detail} (${reason})` : detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.reason = reason;
  }
}

/** FastAPI's `detail` is a string or, for 422, a list of `{loc, msg}`. */
function detailText(detail: unknown, fallback: string): string {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const e = d as { loc?: unknown[]; msg?: string };
        const loc = Array.isArray(e.loc) ? e.loc.filter((x) => x !== "body").join(".") : "";
        return loc ? `${loc}: ${e.msg ?? ""}` : (e.msg ?? JSON.stringify(d));
      })
      .join("; ");
  }
  return fallback;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function buildQuery(query?: Query): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** Called on any 401 so the app can drop to the login page. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export async function request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path + buildQuery(query), {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { "Content-Type": "application/json", Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, `service unreachable: ${err instanceof Error ? err.message : String(err)}`, null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const obj = (json ?? {}) as { detail?: unknown; reason?: unknown };
    if (res.status === 401 && path !== "/api/auth/login") onUnauthorized?.();
    throw new ApiError(
      res.status,
      detailText(obj.detail, text || res.statusText || `HTTP ${res.status}`),
      typeof obj.reason === "string" ? obj.reason : null,
    );
  }
  return json as T;
}

const get = <T>(path: string, query?: Query) => request<T>("GET", path, undefined, query);
const post = <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {});
const put = <T>(path: string, body: unknown) => request<T>("PUT", path, body);

export interface TradeFilter {
  symbol?: string;
  status?: "OPEN" | "CLOSED" | "";
  since?: number;
  until?: number;
  limit?: number;
  offset?: number;
}

export const api = {
  login: (username: string, password: string) =>
    request<{ user: User; token: string }>("POST", "/api/auth/login", { username, password }),
  logout: () => request<void>("POST", "/api/auth/logout"),
  me: () => get<User>("/api/auth/me"),
  status: () => get<SystemStatus>("/api/status"),
  trades: (f: TradeFilter) => get<Page<Trade>>("/api/trades", { ...f }),
  tradesCsvUrl: (f: TradeFilter) => `/api/trades.csv${buildQuery({ ...f, limit: undefined, offset: undefined })}`,
  positions: (status: "open" | "closed" = "open") => get<Position[]>("/api/positions", { status }),
  signals: (status?: SignalStatus, limit = 50) => get<Page<Signal>>("/api/signals", { status, limit }),
  executeSignal: (id: string) => post<OrderResult>(`/api/signals/${id}/execute`),
  order: (o: OrderRequest) => post<OrderResult>("/api/orders", o),
  closePosition: (symbol: string) => post<{ symbol: string }>(`/api/positions/${encodeURIComponent(symbol)}/close`),
  performance: () => get<Performance>("/api/performance"),
  /** The equity curve, at most `points` (server default 1000) evenly over `[since, until)`. */
  equity: ({ since, until, points }: { since?: number; until?: number; points?: number } = {}) =>
    get<EquityPoint[]>("/api/equity", { since, until, points }),
  risk: () => get<RiskState>("/api/risk"),
  riskReset: () => post<RiskState>("/api/risk/reset"),
  riskLimits: (limits: RiskLimits) => put<RiskState>("/api/risk/limits", limits),
  market: (exchange: string, symbol: string) => get<Market>("/api/market", { exchange, symbol }),
  marketHistory: (exchange: string, symbol: string, limit = 500) =>
    get<PricePoint[]>("/api/market/history", { exchange, symbol, limit }),
  exchanges: () => get<Exchange[]>("/api/exchanges"),
  stream: (action: "start" | "stop", exchange: string, symbol: string) =>
    post<StreamState>(`/api/streams/${action}`, { exchange, symbol }),
  engine: (action: "start" | "stop") => post<SystemStatus>(`/api/engine/${action}`),
  backtests: () => get<Backtest[]>("/api/backtests"),
  backtest: (id: string) => get<Backtest>(`/api/backtests/${id}`),
  backtestEquity: (id: string) => get<EquityPoint[]>(`/api/backtests/${id}/equity`),
  runBacktest: (req: BacktestRequest) => post<Backtest>("/api/backtests", req),
  credentials: () => get<Credential[]>("/api/credentials"),
  addCredential: (c: CredentialCreate) => post<Credential>("/api/credentials", c),
  deleteCredential: (id: number) => request<void>("DELETE", `/api/credentials/${id}`),
  liveTrading: (enabled: boolean) => put<LiveTrading>("/api/settings/live-trading", { enabled }),
  users: () => get<User[]>("/api/users"),
  /** Whether the automated strategies trade a user's account (admin). */
  automation: (userId: number) => get<Automation>(`/api/users/${userId}/automation`),
  setAutomation: (userId: number, enabled: boolean) => put<Automation>(`/api/users/${userId}/automation`, { enabled }),
};

/** Human text for any thrown error, including DRB-Guard's refusal reason. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    return err.reason ? `Refused by DRB-Guard: ${err.reason} — ${err.detail}` : `${err.status ? `${err.status}: ` : ""}${err.detail}`;
  }
  return err instanceof Error ? err.message : String(err);
}
