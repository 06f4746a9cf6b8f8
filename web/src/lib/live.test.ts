import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { Page, Position, Signal, SystemStatus, Tick } from "./api/types";
import { applyMessage, keys, lastTicks, resync, resyncs, tickBus } from "./live";

const env = (type: string, data: unknown) => ({ type, seq: 1, ts: 0, data });

const position = (symbol: string, pnl: string): Position => ({
  id: "1",
  symbol,
  side: "LONG",
  size: "0.01",
  entry_price: "100",
  current_price: "101",
  unrealized_pnl: pnl,
  leverage: 1,
  liquidation_price: null,
  take_profit: null,
  stop_loss: null,
  opened_ts: 1,
  closed_ts: null,
});

const signal = (id: string, status: Signal["status"]): Signal => ({
  id,
  symbol: "BTCUSDT",
  side: "LONG",
  price: "100",
  confidence: 0.7,
  strategy: "s",
  reason: "r",
  status,
  ts: 1,
});

describe("applyMessage", () => {
  it("stores status and risk pushes in the query cache", () => {
    const qc = new QueryClient();
    const status = { ticks_processed: 5 } as SystemStatus;
    expect(applyMessage(qc, env("status", status))).toBe(true);
    expect(qc.getQueryData(keys.status)).toEqual(status);
  });

  it("fans ticks out to chart listeners and remembers the last one", () => {
    const qc = new QueryClient();
    const seen: Tick[] = [];
    const off = tickBus.subscribe((t) => seen.push(t));
    const tick: Tick = { exchange: "replay", symbol: "BTCUSDT", price: "1", bid: "0.9", ask: "1.1", ts: 2 };
    applyMessage(qc, env("tick", tick));
    off();
    applyMessage(qc, env("tick", { ...tick, price: "2" }));
    expect(seen).toEqual([tick]);
    expect(lastTicks.get("replay:BTCUSDT")?.price).toBe("2");
  });

  it("upserts and removes positions", () => {
    const qc = new QueryClient();
    applyMessage(qc, env("position", position("ETHUSDT", "1")));
    applyMessage(qc, env("position", position("BTCUSDT", "2")));
    applyMessage(qc, env("position", position("ETHUSDT", "3")));
    expect(qc.getQueryData<Position[]>(keys.positions)?.map((p) => [p.symbol, p.unrealized_pnl])).toEqual([
      ["BTCUSDT", "2"],
      ["ETHUSDT", "3"],
    ]);
    applyMessage(qc, env("position", { symbol: "BTCUSDT", closed: true }));
    expect(qc.getQueryData<Position[]>(keys.positions)?.map((p) => p.symbol)).toEqual(["ETHUSDT"]);
  });

  it("keeps only pending signals in the pending list", () => {
    const qc = new QueryClient();
    applyMessage(qc, env("signal", signal("1", "PENDING")));
    applyMessage(qc, env("signal", signal("2", "PENDING")));
    applyMessage(qc, env("signal", signal("1", "EXECUTED")));
    expect(qc.getQueryData<Page<Signal>>(keys.signals)?.items.map((s) => s.id)).toEqual(["2"]);
  });

  it("marks trade-derived queries stale when a trade arrives", () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.performance, { total_trades: 0 });
    applyMessage(qc, env("trade", { status: "CLOSED" }));
    expect(qc.getQueryState(keys.performance)?.isInvalidated).toBe(true);
  });

  it("ignores unknown topics", () => {
    expect(applyMessage(new QueryClient(), env("nope", {}))).toBe(false);
  });

  it("resync invalidates every query and counts", () => {
    const qc = new QueryClient();
    qc.setQueryData(keys.status, {});
    qc.setQueryData(keys.risk, {});
    const before = resyncs.get();
    resync(qc, "gap");
    expect(resyncs.get()).toBe(before + 1);
    expect(qc.getQueryState(keys.status)?.isInvalidated).toBe(true);
    expect(qc.getQueryState(keys.risk)?.isInvalidated).toBe(true);
  });
});
