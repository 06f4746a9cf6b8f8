/**
 * Live state: applies WebSocket messages to the React Query cache (so REST data and pushed data
 * share one source of truth), fans ticks out to charts without React re-renders, and keeps the
 * connection state for the header banner.
 */
import type { QueryClient } from "@tanstack/react-query";
import type { Page, Position, RiskState, Signal, SystemStatus, Tick, Trade } from "./api/types";
import type { ConnectionState, Envelope, ResyncReason } from "./ws";

/** Query keys shared by pages and the live layer. */
export const keys = {
  status: ["status"] as const,
  positions: ["positions", "open"] as const,
  signals: ["signals", "PENDING"] as const,
  trades: ["trades"] as const,
  performance: ["performance"] as const,
  equity: ["equity"] as const,
  risk: ["risk"] as const,
  market: (exchange: string, symbol: string) => ["market", exchange, symbol] as const,
};

type Listener<T> = (value: T) => void;

/** Minimal synchronous pub/sub; charts subscribe here and call series.update() directly. */
export class Bus<T> {
  private listeners = new Set<Listener<T>>();
  subscribe(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }
  emit(value: T): void {
    for (const fn of this.listeners) fn(value);
  }
  get size(): number {
    return this.listeners.size;
  }
}

/** Observable value for useSyncExternalStore. */
export class Store<T> {
  private value: T;
  private listeners = new Set<() => void>();
  constructor(initial: T) {
    this.value = initial;
  }
  get = (): T => this.value;
  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const fn of this.listeners) fn();
  }
  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
}

export const tickBus = new Bus<Tick>();
export const connection = new Store<ConnectionState>("closed");
/** Number of resyncs so far (shown in the status bar; useful when debugging a slow link). */
export const resyncs = new Store<number>(0);
/** Latest tick per "exchange:symbol", for price labels that re-render at most per tick. */
export const lastTicks = new Map<string, Tick>();

function upsertPosition(list: Position[] | undefined, p: Position): Position[] {
  const rest = (list ?? []).filter((x) => x.symbol !== p.symbol);
  return p.closed_ts === null ? [...rest, p].sort((a, b) => a.symbol.localeCompare(b.symbol)) : rest;
}

function upsertSignal(page: Page<Signal> | undefined, s: Signal): Page<Signal> {
  const items = (page?.items ?? []).filter((x) => x.id !== s.id);
  if (s.status === "PENDING") items.unshift(s);
  return { items, total: items.length };
}

/** Apply one pushed message to the cache. Returns true when it was understood. */
export function applyMessage(qc: QueryClient, msg: Envelope): boolean {
  switch (msg.type) {
    case "tick": {
      const t = msg.data as Tick;
      lastTicks.set(`${t.exchange}:${t.symbol}`, t);
      tickBus.emit(t);
      return true;
    }
    case "status":
      qc.setQueryData<SystemStatus>(keys.status, msg.data as SystemStatus);
      return true;
    case "risk":
      qc.setQueryData<RiskState>(keys.risk, msg.data as RiskState);
      return true;
    case "signal":
      qc.setQueryData<Page<Signal>>(keys.signals, (old) => upsertSignal(old, msg.data as Signal));
      return true;
    case "position": {
      const d = msg.data as Position | { symbol: string; closed: true };
      if ("closed" in d && d.closed) {
        qc.setQueryData<Position[]>(keys.positions, (old) => (old ?? []).filter((p) => p.symbol !== d.symbol));
      } else {
        qc.setQueryData<Position[]>(keys.positions, (old) => upsertPosition(old, d as Position));
      }
      return true;
    }
    case "trade":
    case "fill": {
      const t = msg.data as Trade;
      // A new or closed trade changes the log, the statistics and the equity curve.
      void qc.invalidateQueries({ queryKey: keys.trades });
      void qc.invalidateQueries({ queryKey: keys.performance });
      void qc.invalidateQueries({ queryKey: keys.equity });
      if (msg.type === "trade" && t.status === "CLOSED") void qc.invalidateQueries({ queryKey: keys.positions });
      return true;
    }
    default:
      return false;
  }
}

/** After a sequence gap, a reconnect or a server `resync`: refetch everything on screen. */
export function resync(qc: QueryClient, _reason: ResyncReason): void {
  resyncs.set(resyncs.get() + 1);
  void qc.invalidateQueries();
}
