import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useMemo } from "react";
import { Chart } from "../components/Chart";
import { Card, Panel, QueryState } from "../components/State";
import { api } from "../lib/api/client";
import type { Performance } from "../lib/api/types";
import { equitySeries } from "../lib/equity";
import { decimalSign, formatCount, formatDecimal, formatNum, formatPct, formatPnl, pnlClass } from "../lib/format";
import { keys } from "../lib/live";

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function Heatmap({ cells }: { cells: Performance["heatmap"] }): ReactNode {
  const grid = new Map<string, string>();
  let maxAbs = 0;
  for (const c of cells) {
    grid.set(`${c.weekday}:${c.hour}`, c.pnl);
    maxAbs = Math.max(maxAbs, Math.abs(Number(c.pnl)));
  }
  return (
    <table className="heatmap" data-testid="heatmap">
      <thead>
        <tr>
          <th />
          {Array.from({ length: 24 }, (_, h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {DAYS.map((d, w) => (
          <tr key={d}>
            <th>{d}</th>
            {Array.from({ length: 24 }, (_, h) => {
              const pnl = grid.get(`${w}:${h}`);
              const v = pnl === undefined ? 0 : Number(pnl);
              const a = maxAbs > 0 ? Math.min(1, Math.abs(v) / maxAbs) : 0;
              const bg = pnl === undefined ? undefined : v >= 0 ? `rgba(38,166,154,${0.15 + 0.85 * a})` : `rgba(239,83,80,${0.15 + 0.85 * a})`;
              return <td key={h} style={{ background: bg }} title={`${d} ${h}:00 UTC  P&L ${pnl ?? "—"}`} />;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function PerformancePage(): ReactNode {
  const perf = useQuery({ queryKey: keys.performance, queryFn: api.performance });
  const equity = useQuery({ queryKey: keys.equity, queryFn: () => api.equity() });
  const series = useMemo(() => equitySeries(equity.data ?? []), [equity.data]);
  const p = perf.data;
  return (
    <div className="page">
      <QueryState isLoading={perf.isLoading} error={perf.error} onRetry={() => perf.refetch()}>
        {p && (
          <div className="cards">
            <Card label="Total trades" value={formatCount(p.total_trades)} />
            <Card label="Win rate" value={formatPct(p.win_rate, 1)} testId="perf-win-rate" />
            <Card label="Total P&L" value={formatPnl(p.total_pnl)} className={pnlClass(p.total_pnl)} />
            <Card label="Profit factor" value={formatNum(p.profit_factor)} testId="profit-factor" />
            <Card label="Sharpe" value={formatNum(p.sharpe)} testId="sharpe" />
            <Card label="Sortino" value={formatNum(p.sortino)} testId="sortino" />
            <Card
              label="Max drawdown"
              value={formatPct(p.max_drawdown_fraction)}
              sub={`${formatDecimal(p.max_drawdown_amount, 2)} below the peak`}
              className={decimalSign(p.max_drawdown_amount) > 0 ? "neg" : "flat"}
              testId="max-drawdown"
            />
          </div>
        )}
      </QueryState>
      <QueryState
        isLoading={equity.isLoading}
        error={equity.error}
        isEmpty={series.equity.length === 0}
        empty="No equity history yet."
        onRetry={() => equity.refetch()}
      >
        <div className="grid2">
          <Panel title={`Equity (last ${formatDecimal(equity.data?.at(-1)?.equity, 2)})`}>
            <Chart data={series.equity} kind="area" color="#26a69a" testId="equity-chart" />
          </Panel>
          <Panel title="Drawdown (%)">
            <Chart data={series.drawdown} kind="area" color="#ef5350" testId="drawdown-chart" />
          </Panel>
        </div>
      </QueryState>
      {p && (
        <Panel title="P&L by hour (UTC) × weekday">
          {p.heatmap.length === 0 ? <div className="state empty">No closed trades yet.</div> : <Heatmap cells={p.heatmap} />}
        </Panel>
      )}
    </div>
  );
}
