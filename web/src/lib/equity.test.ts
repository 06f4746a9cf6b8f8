import { describe, expect, it } from "vitest";
import { equitySeries, riskLevel } from "./equity";

describe("equitySeries", () => {
  it("tracks drawdown from the running peak", () => {
    const s = equitySeries([
      { ts: 1e9, equity: "100" },
      { ts: 2e9, equity: "110" },
      { ts: 3e9, equity: "99" },
      { ts: 4e9, equity: "121" },
    ]);
    expect(s.equity.map((p) => p.value)).toEqual([100, 110, 99, 121]);
    expect(s.drawdown.map((p) => Math.round(p.value * 100) / 100)).toEqual([0, 0, -10, 0]);
    expect(s.equity.map((p) => p.time)).toEqual([1, 2, 3, 4]);
  });
});

describe("riskLevel", () => {
  it.each([
    [0, 0.15, "Low"],
    [0.0374, 0.15, "Low"],
    [0.0375, 0.15, "Medium"],
    [0.08, 0.15, "High"],
    [0.1125, 0.15, "Critical"],
    [0.2, 0.15, "Critical"],
  ] as const)("drawdown %f of limit %f is %s", (dd, lim, level) => {
    expect(riskLevel(dd, lim)).toBe(level);
  });
});
