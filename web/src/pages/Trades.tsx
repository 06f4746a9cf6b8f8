import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { Panel, QueryState } from "../components/State";
import { api, type TradeFilter } from "../lib/api/client";
import { formatDecimal, formatNs, formatPct, formatPnl, pnlClass } from "../lib/format";
import { keys } from "../lib/live";

const PAGE = 50;

export default function TradesPage(): ReactNode {
  const [symbol, setSymbol] = useState("");
  const [status, setStatus] = useState<"" | "OPEN" | "CLOSED">("");
  const [offset, setOffset] = useState(0);
  const filter: TradeFilter = { symbol: symbol.trim().toUpperCase() || undefined, status, limit: PAGE, offset };
  const trades = useQuery({
    queryKey: [...keys.trades, filter],
    queryFn: () => api.trades(filter),
    placeholderData: keepPreviousData,
  });
  const total = trades.data?.total ?? 0;
  const items = trades.data?.items ?? [];
  const page = Math.floor(offset / PAGE) + 1;
  const pages = Math.max(1, Math.ceil(total / PAGE));

  return (
    <div className="page">
      <Panel
        title={`Trade log (${total})`}
        actions={
          <a className="button" href={api.tradesCsvUrl(filter)} download="trades.csv" data-testid="csv-export">
            Export CSV
          </a>
        }
      >
        <div className="toolbar">
          <label>
            Symbol
            <input
              name="symbol"
              placeholder="all"
              value={symbol}
              onChange={(e) => {
                setSymbol(e.target.value);
                setOffset(0);
              }}
            />
          </label>
          <label>
            Status
            <select
              name="status"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as "" | "OPEN" | "CLOSED");
                setOffset(0);
              }}
            >
              <option value="">all</option>
              <option value="OPEN">open</option>
              <option value="CLOSED">closed</option>
            </select>
          </label>
          <span className="spacer" />
          <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ‹ Prev
          </button>
          <span className="muted" data-testid="page">
            page {page} / {pages}
          </span>
          <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            Next ›
          </button>
        </div>
        <QueryState
          isLoading={trades.isLoading}
          error={trades.error}
          isEmpty={items.length === 0}
          empty="No trades match."
          onRetry={() => trades.refetch()}
        >
          <table data-testid="trades-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Entry (UTC)</th>
                <th>Exit (UTC)</th>
                <th>Symbol</th>
                <th>Side</th>
                <th>Size</th>
                <th>Entry</th>
                <th>Exit</th>
                <th>P&L</th>
                <th>Return</th>
                <th>Fees</th>
                <th>Status</th>
                <th>Exit reason</th>
                <th>Strategy</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id} data-trade-id={t.id}>
                  <td>{t.id}</td>
                  <td>{formatNs(t.entry_ts, false)}</td>
                  <td>{formatNs(t.exit_ts, false)}</td>
                  <td>{t.symbol}</td>
                  <td className={t.side === "LONG" ? "pos" : "neg"}>{t.side}</td>
                  <td>{formatDecimal(t.size, 6)}</td>
                  <td>{formatDecimal(t.entry_price, 2)}</td>
                  <td>{formatDecimal(t.exit_price, 2)}</td>
                  <td className={pnlClass(t.pnl)} data-testid="trade-pnl">
                    {formatPnl(t.pnl)}
                  </td>
                  <td className={pnlClass(t.pnl_fraction)} data-testid="trade-return">
                    {formatPct(t.pnl_fraction)}
                  </td>
                  <td>{formatDecimal(t.fees, 4)}</td>
                  <td>{t.status}</td>
                  <td className="muted">{t.exit_reason ?? "—"}</td>
                  <td className="muted">{t.strategy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </QueryState>
      </Panel>
    </div>
  );
}
