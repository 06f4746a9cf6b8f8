import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useMemo, useState } from "react";
import { Chart } from "../components/Chart";
import { RejectionsByReason } from "../components/Rejections";
import { type ActionResult, Card, Panel, QueryState, Result } from "../components/State";
import { api, errorText } from "../lib/api/client";
import type { User } from "../lib/api/types";
import { equitySeries } from "../lib/equity";
import { formatDecimal, formatPct, formatPnl, pnlClass } from "../lib/format";
import { keys } from "../lib/live";

const LEVEL_CLASS = { Low: "pos", Medium: "warn", High: "neg", Critical: "neg crit" } as const;

export default function RiskPage({ user }: { user: User }): ReactNode {
  const qc = useQueryClient();
  const risk = useQuery({ queryKey: keys.risk, queryFn: api.risk });
  const equity = useQuery({ queryKey: keys.equity, queryFn: () => api.equity() });
  const dd = useMemo(() => equitySeries(equity.data ?? []).drawdown, [equity.data]);
  const [result, setResult] = useState<ActionResult>(null);
  const reset = useMutation({
    mutationFn: api.riskReset,
    onSuccess: (r) => {
      qc.setQueryData(keys.risk, r);
      setResult({ ok: true, text: `Risk state reset; kill switch ${r.halted ? "still engaged" : "released"}.` });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const r = risk.data;
  const used = r ? Math.min(1, r.drawdown_limit_fraction > 0 ? Math.abs(r.drawdown_fraction) / r.drawdown_limit_fraction : 1) : 0;

  return (
    <div className="page">
      <QueryState isLoading={risk.isLoading} error={risk.error} onRetry={() => risk.refetch()}>
        {r && (
          <>
            <Panel title="DRB-Guard">
              <div className="cards">
                <Card label="Risk level" value={r.risk_level} className={LEVEL_CLASS[r.risk_level]} testId="risk-level" />
                <Card
                  label="Drawdown"
                  value={formatPct(r.drawdown_fraction)}
                  sub={`${formatDecimal(r.drawdown_amount, 2)} below the peak · limit ${formatPct(r.drawdown_limit_fraction)}`}
                  testId="drawdown"
                />
                <Card label="Equity" value={formatDecimal(r.equity, 2)} />
                <Card label="Peak equity" value={formatDecimal(r.peak_equity, 2)} />
                <Card label="Trades today" value={`${r.trades_today} / ${r.limits.max_trades_per_day}`} />
                <Card
                  label="Kill switch"
                  value={r.halted ? "HALTED" : "ARMED"}
                  sub={r.halted ? (r.halt_reason ?? "no reason given") : "trading allowed"}
                  className={r.halted ? "neg" : "pos"}
                  testId="kill-switch"
                />
              </div>
              <div className="gauge" title="drawdown used of its limit">
                <div className={`gauge-fill ${LEVEL_CLASS[r.risk_level]}`} style={{ width: `${used * 100}%` }} />
                <span className="gauge-text">{formatPct(used, 0)} of the drawdown limit used</span>
              </div>
              <div className="actions">
                <button onClick={() => reset.mutate()} disabled={user.role !== "admin" || reset.isPending} data-testid="risk-reset">
                  Reset kill switch
                </button>
                {user.role !== "admin" && <span className="muted">Admins only.</span>}
              </div>
              <Result result={result} />
            </Panel>
            <div className="grid2">
              <Panel title="Drawdown (%)">
                <QueryState isLoading={equity.isLoading} error={equity.error} isEmpty={dd.length === 0} empty="No equity history yet.">
                  <Chart data={dd} kind="area" color="#ef5350" testId="drawdown-chart" />
                </QueryState>
              </Panel>
              <Panel title="Limits">
                <table className="kv">
                  <tbody>
                    <tr><td>Max drawdown</td><td data-testid="limit-max-drawdown">{formatPct(r.limits.max_drawdown)} of peak equity</td></tr>
                    <tr><td>Max position notional</td><td>{formatPct(r.limits.max_position_notional)} of equity</td></tr>
                    <tr><td>Max trades per day</td><td>{r.limits.max_trades_per_day}</td></tr>
                    <tr><td>Max leverage</td><td>{r.limits.max_leverage}×</td></tr>
                    <tr><td>Max open positions</td><td>{r.limits.max_open_positions}</td></tr>
                    <tr><td>Kelly fraction</td><td>{formatPct(r.limits.kelly_fraction, 0)} of full Kelly</td></tr>
                    <tr><td>Fixed fraction</td><td>{formatPct(r.limits.fixed_fraction)} of equity</td></tr>
                  </tbody>
                </table>
              </Panel>
            </div>
            <Panel title="Rejections by reason (since the service started)">
              <RejectionsByReason rejections={r.rejections} />
            </Panel>
            <Panel title="Positions">
              <QueryState isLoading={false} error={null} isEmpty={r.positions.length === 0} empty="No open positions.">
                <table>
                  <thead>
                    <tr><th>Symbol</th><th>Side</th><th>Size</th><th>Notional</th><th>Leverage</th><th>Liquidation</th><th>Unrealised</th></tr>
                  </thead>
                  <tbody>
                    {r.positions.map((p) => (
                      <tr key={p.symbol}>
                        <td>{p.symbol}</td>
                        <td className={p.side === "LONG" ? "pos" : "neg"}>{p.side}</td>
                        <td>{formatDecimal(p.size, 6)}</td>
                        <td>{(Number(p.size) * Number(p.current_price)).toFixed(2)}</td>
                        <td>{p.leverage}×</td>
                        <td>{formatDecimal(p.liquidation_price, 2)}</td>
                        <td className={pnlClass(p.unrealized_pnl)}>{formatPnl(p.unrealized_pnl)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </QueryState>
            </Panel>
          </>
        )}
      </QueryState>
    </div>
  );
}
