/**
 * Display formatting. Money arrives as exact decimal strings and is formatted as strings (never
 * through a float, so "64123.50000000" cannot turn into 64123.49999999); times arrive as integer
 * nanoseconds since the UTC epoch.
 */

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** Parsed decimal string: sign, integer digits and fraction digits. */
interface Parts {
  neg: boolean;
  int: string;
  frac: string;
}

function parse(value: string): Parts | null {
  const m = DECIMAL.exec(value.trim());
  if (!m) return null;
  return { neg: m[1] === "-", int: m[2] ?? "0", frac: m[3] ?? "" };
}

/** Add one unit in the last place to a string of digits ("199" → "200", "99" → "100"). */
function incrementDigits(digits: string): string {
  const out = digits.split("");
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === "9") {
      out[i] = "0";
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join("");
    }
  }
  return `1${out.join("")}`;
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Round a decimal string half away from zero to `dp` places and group thousands.
 * Returns "—" for null/undefined and the input unchanged when it is not a decimal.
 */
export function formatDecimal(value: string | null | undefined, dp = 2, grouping = true): string {
  if (value === null || value === undefined || value === "") return "—";
  const p = parse(value);
  if (!p) return value;
  let int = p.int.replace(/^0+(?=\d)/, "");
  let frac = p.frac.padEnd(dp + 1, "0");
  const roundUp = Number(frac[dp]) >= 5;
  frac = frac.slice(0, dp);
  if (roundUp) {
    const joined = incrementDigits(int + frac);
    int = joined.slice(0, joined.length - dp) || "0";
    frac = dp > 0 ? joined.slice(joined.length - dp) : "";
  }
  const isZero = /^0*$/.test(int) && /^0*$/.test(frac);
  const sign = p.neg && !isZero ? "-" : "";
  const body = grouping ? group(int) : int;
  return dp > 0 ? `${sign}${body}.${frac}` : `${sign}${body}`;
}

/** Sign of a decimal string: -1, 0 or 1 (0 for null or non-decimal input). */
export function decimalSign(value: string | null | undefined): -1 | 0 | 1 {
  if (!value) return 0;
  const p = parse(value);
  if (!p) return 0;
  if (/^0*$/.test(p.int) && /^0*$/.test(p.frac)) return 0;
  return p.neg ? -1 : 1;
}

/** P&L with an explicit sign: "+12.50", "-3.10", "0.00". */
export function formatPnl(value: string | null | undefined, dp = 2): string {
  if (value === null || value === undefined) return "—";
  const s = formatDecimal(value, dp);
  return decimalSign(value) > 0 ? `+${s}` : s;
}

/** CSS class for a P&L value: green for profit, red for loss, grey for flat or unknown. */
export function pnlClass(value: string | number | null | undefined): "pos" | "neg" | "flat" {
  const sign = typeof value === "number" ? Math.sign(value) : decimalSign(value);
  if (sign > 0) return "pos";
  if (sign < 0) return "neg";
  return "flat";
}

/** A ratio (0.1234) as a percentage ("12.34%"). */
/** A ratio as a percentage; decimal strings (exact ratios from the API) are accepted too. */
export function formatPct(ratio: number | string | null | undefined, dp = 2): string {
  const value = typeof ratio === "string" ? Number(ratio) : ratio;
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${(value * 100).toFixed(dp)}%`;
}

/** A plain number with fixed places, or "—". */
export function formatNum(value: number | null | undefined, dp = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return value.toFixed(dp);
}

/** An integer count with thousands separators. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return group(String(Math.trunc(value)));
}

const NS_PER_MS = 1_000_000n;

/**
 * Integer nanoseconds (number, bigint or digit string) → milliseconds since the epoch.
 * JSON numbers above 2^53 lose their last digits in JavaScript; that only affects sub-µs
 * precision, far below what a display shows.
 */
export function nsToMs(ns: number | bigint | string): number {
  if (typeof ns === "bigint") return Number(ns / NS_PER_MS);
  if (typeof ns === "string") return Number(BigInt(ns) / NS_PER_MS);
  return Math.floor(ns / 1e6);
}

/** Nanoseconds → "2026-11-21 11:33:56.123" (UTC). */
export function formatNs(ns: number | bigint | string | null | undefined, withMs = true): string {
  if (ns === null || ns === undefined) return "—";
  const iso = new Date(nsToMs(ns)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMs ? 23 : 19)}`;
}

/** Nanoseconds → "11:33:56" (UTC), for dense tables. */
export function formatNsTime(ns: number | null | undefined): string {
  if (ns === null || ns === undefined) return "—";
  return new Date(nsToMs(ns)).toISOString().slice(11, 19);
}

/** Nanoseconds → whole seconds, the time unit of lightweight-charts. */
export function nsToChartTime(ns: number): number {
  return Math.floor(ns / 1e9);
}

/** Seconds of uptime → "3d 04:05:06". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  return d > 0 ? `${d}d ${hms}` : hms;
}
