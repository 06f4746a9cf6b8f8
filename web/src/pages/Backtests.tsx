import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import { Chart } from "../components/Chart";
import { type ActionResult, Panel, QueryState, Result } from "../components/State";
import { api, errorText } from "../lib/api/client";
import type { Backtest, BacktestMetrics } from "../lib/api/types";
import { equitySeries } from "../lib/equity";
import { formatCount, formatDecimal, formatDuration, formatNum, formatPct, formatPnl } from "../lib/format";

const active = (b: Backtest | undefined) => b?.status === "queued" || b?.status === "running";

/** Each figure with its unit: fractions as percents, money to the cent, ratios plain. */
const METRICS: [keyof BacktestMetrics, string, (m: BacktestMetrics) => string][] = [
  ["num_trades", "Trades", (m) => formatCount(m.num_trades)],
  ["win_rate", "Win rate", (m) => formatPct(m.win_rate, 1)],
  ["net_pnl", "Net P&L", (m) => formatPnl(m.net_pnl)],
  ["return_fraction", "Return", (m) => formatPct(m.return_fraction)],
  ["gross_pnl", "Gross P&L (closed trades)", (m) => formatPnl(m.gross_pnl)],
  ["fees", "Fees", (m) => formatDecimal(m.fees, 2)],
  ["funding", "Funding", (m) => formatDecimal(m.funding, 2)],
  ["unrealized_pnl", "Unrealised P&L", (m) => formatPnl(m.unrealized_pnl)],
  ["initial_capital", "Initial capital", (m) => formatDecimal(m.initial_capital, 2)],
  ["final_equity", "Final equity", (m) => formatDecimal(m.final_equity, 2)],
  ["profit_factor", "Profit factor", (m) => formatNum(m.profit_factor)],
  ["sharpe", "Sharpe", (m) => formatNum(m.sharpe)],
  ["sortino", "Sortino", (m) => formatNum(m.sortino)],
  ["max_drawdown_fraction", "Max drawdown", (m) => formatPct(m.max_drawdown_fraction)],
  ["max_drawdown_duration_s", "Longest drawdown", (m) => formatDuration(m.max_drawdown_duration_s)],
  ["exposure_fraction", "Time in the market", (m) => formatPct(m.exposure_fraction, 1)],
  ["avg_trade_pnl", "Average trade P&L", (m) => formatPnl(m.avg_trade_pnl)],
  // Apart from the real trades: signals Kelly sized to zero, followed with no capital.
  ["shadow_trades", "Shadow trades (no capital)", (m) => formatCount(m.shadow_trades)],
  ["shadow_win_rate", "Shadow win rate", (m) => formatPct(m.shadow_win_rate, 1)],
  ["shadow_pnl", "Shadow P&L (not in equity)", (m) => formatPnl(m.shadow_pnl)],
];

function Report({ id }: { id: string }): ReactNode {
  // A backtest is a job, not market data: poll its progress until it finishes.
  const bt = useQuery({
    queryKey: ["backtest", id],
    queryFn: () => api.backtest(id),
    refetchInterval: (q) => (active(q.state.data) ? 500 : false),
  });
  const done = bt.data?.status === "done";
  const equity = useQuery({ queryKey: ["backtest", id, "equity"], queryFn: () => api.backtestEquity(id), enabled: done });
  const series = useMemo(() => equitySeries(equity.data ?? []), [equity.data]);
  const b = bt.data;
  return (
    <Panel title={`Backtest #${id}`}>
      <QueryState isLoading={bt.isLoading} error={bt.error}>
        {b && (
          <>
            <div className="progress" data-testid="bt-progress">
              <div className="progress-fill" style={{ width: `${b.progress * 100}%` }} />
              <span>
                {b.status} · {formatPct(b.progress, 0)}
              </span>
            </div>
            {b.error && (
              <div className="result bad" role="alert">
                {b.error}
              </div>
            )}
            {b.metrics && (
              <table className="kv" data-testid="bt-metrics">
                <tbody>
                  {METRICS.map(([k, label, text]) => (
                    <tr key={k} data-metric={k}>
                      <td>{label}</td>
                      <td>{b.metrics ? text(b.metrics) : "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {done && (
              <QueryState isLoading={equity.isLoading} error={equity.error} isEmpty={series.equity.length === 0} empty="No equity curve.">
                <Chart data={series.equity} kind="area" color="#26a69a" testId="bt-equity-chart" height={220} />
              </QueryState>
            )}
          </>
        )}
      </QueryState>
    </Panel>
  );
}

export default function BacktestsPage(): ReactNode {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["backtests"], queryFn: api.backtests });
  const [selected, setSelected] = useState<string | null>(null);
  const [data, setData] = useState("synthetic");
  const [ticks, setTicks] = useState("20000");
  const [seed, setSeed] = useState("42");
  const [result, setResult] = useState<ActionResult>(null);
  const run = useMutation({
    mutationFn: api.runBacktest,
    onSuccess: (b) => {
      setSelected(b.id);
      setResult({ ok: true, text: `Backtest #${b.id} ${b.status}` });
      void qc.invalidateQueries({ queryKey: ["backtests"] });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Empty fields take the service's defaults (BacktestCreate: 200,000 ticks, seed 7).
    run.mutate({ data: data.trim(), ticks: ticks ? Number(ticks) : 200_000, seed: seed ? Number(seed) : 7 });
  };
  const items = list.data ?? [];
  return (
    <div className="page">
      <Panel title="Run a backtest">
        <form className="inline-form" onSubmit={submit}>
          <label>
            Data
            <input name="data" value={data} onChange={(e) => setData(e.target.value)} title="synthetic or a stored data set name" />
          </label>
          <label>
            Ticks
            <input name="ticks" value={ticks} onChange={(e) => setTicks(e.target.value)} inputMode="numeric" />
          </label>
          <label>
            Seed
            <input name="seed" value={seed} onChange={(e) => setSeed(e.target.value)} inputMode="numeric" />
          </label>
          <button type="submit" disabled={run.isPending}>
            Run
          </button>
        </form>
        <Result result={result} testId="bt-result" />
      </Panel>
      {selected !== null && <Report key={selected} id={selected} />}
      <Panel title="History">
        <QueryState isLoading={list.isLoading} error={list.error} isEmpty={items.length === 0} empty="No backtests yet.">
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Created</th>
                <th>Status</th>
                <th>Progress</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((b) => (
                <tr key={b.id}>
                  <td>{b.id}</td>
                  <td>{b.created_at}</td>
                  <td>{b.status}</td>
                  <td>{formatPct(b.progress, 0)}</td>
                  <td>
                    <button className="link" onClick={() => setSelected(b.id)}>
                      View
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </QueryState>
      </Panel>
    </div>
  );
}
