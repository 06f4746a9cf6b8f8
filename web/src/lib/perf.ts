/**
 * Timings of the live chart update path (tick in → series.update() done), kept in a small ring
 * buffer so the browser test can read the p99 (window.__quantumPerf) without any extra tooling.
 */
const CAP = 4096;
const samples: number[] = [];

export function recordChartUpdate(ms: number): void {
  if (samples.length >= CAP) samples.shift();
  samples.push(ms);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? Number.NaN;
}

declare global {
  interface Window {
    __quantumPerf?: { chartUpdates: number[]; p99: () => number };
  }
}

if (typeof window !== "undefined") {
  window.__quantumPerf = { chartUpdates: samples, p99: () => percentile(samples, 99) };
}
