import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { api } from "../lib/api/client";
import { formatCount, formatDuration, formatNum, formatPct, formatPnl, pnlClass } from "../lib/format";
import { keys } from "../lib/live";
import { FeedHealth } from "../components/FeedHealth";
import { Card, Panel, QueryState } from "../components/State";

export function HomePage(): ReactNode {
  const perf = useQuery({ queryKey: keys.performance, queryFn: api.performance });
  const positions = useQuery({ queryKey: keys.positions, queryFn: () => api.positions("open") });
  const status = useQuery({ queryKey: keys.status, queryFn: api.status });
  const s = status.data;
  return (
    <div className="page">
      <Panel title="Account">
        <QueryState isLoading={perf.isLoading} error={perf.error} onRetry={() => perf.refetch()}>
          <div className="cards">
            <Card label="Total trades" value={formatCount(perf.data?.total_trades)} testId="total-trades" />
            <Card label="Win rate" value={formatPct(perf.data?.win_rate, 1)} testId="win-rate" />
            <Card
              label="Total P&L"
              value={formatPnl(perf.data?.total_pnl)}
              className={pnlClass(perf.data?.total_pnl)}
              testId="total-pnl"
            />
            <Card label="Open positions" value={positions.data ? positions.data.length : "—"} testId="open-positions" />
          </div>
        </QueryState>
      </Panel>
      <Panel title="System status">
        <QueryState isLoading={status.isLoading} error={status.error} onRetry={() => status.refetch()}>
          {s && (
            <>
              <div className="cards">
                <Card label="Ticks processed" value={formatCount(s.ticks_processed)} testId="ticks-processed" />
                <Card label="Ticks rejected" value={formatCount(s.ticks_rejected)} testId="ticks-rejected" />
                <Card label="Signals" value={formatCount(s.signals)} testId="signals" />
                <Card label="Trades" value={formatCount(s.trades)} testId="trades" />
                <Card
                  label="Engine"
                  value={s.engine_state}
                  className={s.engine_state === "running" ? "pos" : "neg"}
                  testId="engine-state"
                />
                <Card
                  label={`Feed (${s.feed})`}
                  value={s.feed_connected ? "connected" : "DOWN"}
                  className={s.feed_connected ? "pos" : "neg"}
                  testId="feed"
                />
                <Card label="Latency p50 / p99" value={`${formatNum(s.latency_us.p50, 1)} / ${formatNum(s.latency_us.p99, 1)} µs`} testId="latency" />
                <Card label="Writer backlog" value={formatCount(s.writer_backlog)} />
                <Card label="Uptime" value={formatDuration(s.uptime_s)} />
              </div>
              <FeedHealth feed={s.feed_status} />
            </>
          )}
        </QueryState>
      </Panel>
    </div>
  );
}
