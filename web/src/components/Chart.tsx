/**
 * A lightweight-charts line/area/histogram chart. It is created once per mount; `data` replaces the
 * whole series (setData) and `onSeries` hands the series to the caller, which pushes live points
 * with series.update() — no React re-render per tick.
 */
import {
  AreaSeries,
  ColorType,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type SeriesType,
  type UTCTimestamp,
} from "lightweight-charts";
import { type ReactNode, useEffect, useRef } from "react";

export interface Point {
  time: number;
  value: number;
}

export type ChartKind = "line" | "area" | "histogram";

/** Sort by time and keep the last value per second (lightweight-charts needs strictly rising times). */
export function toSeriesData(points: readonly Point[]): { time: UTCTimestamp; value: number }[] {
  const sorted = [...points].sort((a, b) => a.time - b.time);
  const out: { time: UTCTimestamp; value: number }[] = [];
  for (const p of sorted) {
    if (!Number.isFinite(p.value)) continue;
    const prev = out[out.length - 1];
    if (prev && prev.time === p.time) prev.value = p.value;
    else out.push({ time: p.time as UTCTimestamp, value: p.value });
  }
  return out;
}

export function Chart(props: {
  data: readonly Point[];
  kind?: ChartKind;
  color?: string;
  height?: number;
  testId?: string;
  priceFormat?: { type: "percent" } | { type: "price"; precision: number; minMove: number };
  onSeries?: (series: ISeriesApi<SeriesType> | null) => void;
}): ReactNode {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  const series = useRef<ISeriesApi<SeriesType> | null>(null);
  const { kind = "line", color = "#4da3ff", height = 260, onSeries, priceFormat } = props;

  // The chart is built once per mount (its options are fixed); data flows in through the next effect.
  useEffect(() => {
    if (!el.current) return;
    const c = createChart(el.current, {
      autoSize: true,
      height,
      layout: { background: { type: ColorType.Solid, color: "#0f141b" }, textColor: "#9aa7b4", fontSize: 11 },
      grid: { vertLines: { color: "#1b232d" }, horzLines: { color: "#1b232d" } },
      timeScale: { timeVisible: true, secondsVisible: true, borderColor: "#26303b" },
      rightPriceScale: { borderColor: "#26303b" },
      crosshair: { mode: 0 },
    });
    const opts = { color, lineWidth: 2 as const, priceFormat };
    const s =
      kind === "area"
        ? c.addSeries(AreaSeries, { lineColor: color, topColor: `${color}55`, bottomColor: `${color}05`, lineWidth: 2, priceFormat })
        : kind === "histogram"
          ? c.addSeries(HistogramSeries, { color, priceFormat })
          : c.addSeries(LineSeries, opts);
    chart.current = c;
    series.current = s;
    onSeries?.(s);
    return () => {
      onSeries?.(null);
      series.current = null;
      chart.current = null;
      c.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- options are fixed per mount
  }, []);

  useEffect(() => {
    if (!series.current) return;
    series.current.setData(toSeriesData(props.data));
    chart.current?.timeScale().fitContent();
  }, [props.data]);

  return <div className="chart" style={{ height }} ref={el} data-testid={props.testId} />;
}
