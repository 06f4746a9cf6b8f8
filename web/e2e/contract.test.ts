// @vitest-environment node
import { describe, expect, it } from "vitest";
import { Contract } from "./contract";

const contract = Contract.load();

const performance = {
  total_trades: 3,
  win_rate: 0.6667,
  total_pnl: "-450.00000000",
  profit_factor: 0.57,
  sharpe: null,
  sortino: null,
  max_drawdown_fraction: 0.1,
  max_drawdown_amount: "1050.00000000",
  heatmap: [{ weekday: 0, hour: 13, pnl: "100.00000000" }],
};

describe("the mock's contract check (web/openapi.json)", () => {
  it("accepts what the real service answers", () => {
    expect(contract.checkResponse("GET", "/api/performance", 200, performance)).toBeNull();
    expect(contract.checkResponse("GET", "/api/users/3/automation", 200, { user_id: 3, enabled: true })).toBeNull();
    expect(contract.checkResponse("GET", "/api/positions", 200, [])).toBeNull();
    // An error the operation does not document has the generic shape.
    expect(contract.checkResponse("GET", "/api/risk", 401, { detail: "not authenticated" })).toBeNull();
  });

  it("rejects the old money-as-max_drawdown field and a missing unit-named field", () => {
    const { max_drawdown_fraction: _f, max_drawdown_amount: _a, ...rest } = performance;
    const old = { ...rest, max_drawdown: 0.1 };
    const why = contract.checkResponse("GET", "/api/performance", 200, old);
    expect(why).toContain("max_drawdown_fraction");
    expect(why).toContain("(max_drawdown)");
  });

  it("rejects a field of the wrong type", () => {
    const why = contract.checkResponse("GET", "/api/performance", 200, { ...performance, max_drawdown_fraction: "0.1" });
    expect(why).toMatch(/\/max_drawdown_fraction must be number/);
    const money = contract.checkResponse("GET", "/api/performance", 200, { ...performance, total_pnl: -450 });
    expect(money).toMatch(/\/total_pnl must be string/);
  });

  it("rejects routes, statuses and WebSocket types the API does not have", () => {
    expect(contract.checkResponse("GET", "/api/nothing", 200, {})).toContain("not in the API");
    expect(contract.checkResponse("POST", "/api/performance", 200, performance)).toContain("not in the API");
    expect(contract.checkResponse("GET", "/api/performance", 201, performance)).toContain("no 201 response");
    expect(contract.checkResponse("POST", "/api/users", 422, { detail: "username required" })).toMatch(/detail must be array/);
    expect(contract.checkMessage("gossip", {})).toContain("not in the API");
  });

  it("checks WebSocket payloads against x-websocket", () => {
    const tick = { exchange: "replay", symbol: "BTCUSDT", price: "1.00000000", bid: null, ask: "1.10000000", ts: 1 };
    expect(contract.checkMessage("tick", tick)).toBeNull();
    expect(contract.checkMessage("position", { symbol: "BTCUSDT", closed: true })).toBeNull();
    // A fill's side is the order's (BUY/SELL), not the position's.
    const fill = { symbol: "BTCUSDT", side: "LONG", qty: "1", price: "1", fee: "0", kind: "open", exit_reason: null, ts: 1 };
    expect(contract.checkMessage("fill", fill)).toMatch(/\/side must be equal to one of the allowed values/);
    const trade = {
      id: "trd-1",
      symbol: "BTCUSDT",
      side: "LONG",
      size: "0.01000000",
      entry_price: "64000.00000000",
      exit_price: "64640.00000000",
      pnl: "6.40000000",
      pnl_fraction: "0.01000000",
      fees: "0.64000000",
      status: "CLOSED",
      entry_ts: 1,
      exit_ts: 2,
      exit_reason: "take_profit",
      confidence: 0.8,
      strategy: "order_flow",
    };
    expect(contract.checkMessage("trade", trade)).toBeNull();
    const { pnl_fraction, ...old } = trade;
    const why = contract.checkMessage("trade", { ...old, pnl_pct: pnl_fraction });
    expect(why).toContain("(pnl_pct)");
    expect(why).toContain("pnl_fraction");
  });
});
