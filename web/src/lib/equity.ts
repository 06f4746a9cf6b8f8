import type { EquityPoint } from "./api/types";
import { nsToChartTime } from "./format";

export interface Series {
  equity: { time: number; value: number }[];
  drawdown: { time: number; value: number }[];
}

/**
 * Chart series from an equity curve: equity, and the drawdown from the running peak in percent
 * (0 at a new high, negative below it). Floats are fine here: this only feeds the chart.
 */
export function equitySeries(points: readonly EquityPoint[]): Series {
  let peak = Number.NEGATIVE_INFINITY;
  const equity: Series["equity"] = [];
  const drawdown: Series["drawdown"] = [];
  for (const p of points) {
    const v = Number(p.equity);
    if (!Number.isFinite(v)) continue;
    peak = Math.max(peak, v);
    const time = nsToChartTime(p.ts);
    equity.push({ time, value: v });
    drawdown.push({ time, value: peak > 0 ? (v / peak - 1) * 100 : 0 });
  }
  return { equity, drawdown };
}

/** Risk level from drawdown / limit, as docs/api.md defines it (used for the gauge colour). */
export function riskLevel(drawdown: number, limit: number): "Low" | "Medium" | "High" | "Critical" {
  const r = limit > 0 ? Math.abs(drawdown) / limit : 1;
  if (r < 0.25) return "Low";
  if (r < 0.5) return "Medium";
  if (r < 0.75) return "High";
  return "Critical";
}
