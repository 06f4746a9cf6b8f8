import { describe, expect, it } from "vitest";
import {
  decimalSign,
  formatDecimal,
  formatDuration,
  formatNs,
  formatPct,
  formatPnl,
  nsToChartTime,
  nsToMs,
  pnlClass,
} from "./format";

describe("formatDecimal", () => {
  it.each([
    ["64123.50000000", 2, "64,123.50"],
    ["0.00000001", 8, "0.00000001"],
    ["0.005", 2, "0.01"],
    ["0.004", 2, "0.00"],
    ["-0.004", 2, "0.00"],
    ["-12.345", 2, "-12.35"],
    ["999.995", 2, "1,000.00"],
    ["9.5", 0, "10"],
    ["1234567", 2, "1,234,567.00"],
    ["00012.1", 1, "12.1"],
    // Exact where a float is not: 0.1 + 0.2 style values survive untouched.
    ["0.30000000000000004", 17, "0.30000000000000004"],
    ["90071992547409931.25", 2, "90,071,992,547,409,931.25"],
  ])("%s at %i places → %s", (input, dp, out) => {
    expect(formatDecimal(input, dp)).toBe(out);
  });

  it("handles missing and invalid values", () => {
    expect(formatDecimal(null)).toBe("—");
    expect(formatDecimal(undefined)).toBe("—");
    expect(formatDecimal("abc")).toBe("abc");
    expect(formatDecimal("1234.5", 1, false)).toBe("1234.5");
  });
});

describe("P&L", () => {
  it.each([
    ["12.5", "+12.50", "pos", 1],
    ["-3.1", "-3.10", "neg", -1],
    ["0.00000000", "0.00", "flat", 0],
    ["-0", "0.00", "flat", 0],
  ] as const)("%s", (v, text, cls, sign) => {
    expect(formatPnl(v)).toBe(text);
    expect(pnlClass(v)).toBe(cls);
    expect(decimalSign(v)).toBe(sign);
  });

  it("colours numbers and unknowns", () => {
    expect(pnlClass(0.5)).toBe("pos");
    expect(pnlClass(-2)).toBe("neg");
    expect(pnlClass(null)).toBe("flat");
    expect(formatPnl(null)).toBe("—");
  });
});

describe("times", () => {
  const ns = 1_763_725_436_123_456_789n; // 2025-11-21T11:43:56.123456789Z
  it("formats ns as UTC with milliseconds", () => {
    expect(formatNs(ns)).toBe("2025-11-21 11:43:56.123");
    expect(formatNs(ns.toString())).toBe("2025-11-21 11:43:56.123");
    expect(formatNs(Number(ns), false)).toBe("2025-11-21 11:43:56");
    expect(formatNs(null)).toBe("—");
  });
  it("converts to ms and chart seconds", () => {
    expect(nsToMs(ns)).toBe(1_763_725_436_123);
    expect(nsToChartTime(1_763_725_436_999_000_000)).toBe(1_763_725_436);
  });
  it("formats ratios and durations", () => {
    expect(formatPct(0.1234)).toBe("12.34%");
    expect(formatPct(null)).toBe("—");
    expect(formatDuration(3 * 86400 + 4 * 3600 + 5 * 60 + 6)).toBe("3d 04:05:06");
    expect(formatDuration(59)).toBe("00:00:59");
  });
});
