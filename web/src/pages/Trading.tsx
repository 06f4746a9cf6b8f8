import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ISeriesApi, SeriesType, UTCTimestamp } from "lightweight-charts";
import { type FormEvent, type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type ActionResult, Card, Panel, QueryState, Result } from "../components/State";
import { Chart, type Point } from "../components/Chart";
import { api, errorText } from "../lib/api/client";
import type { OrderResult, Side, Tick } from "../lib/api/types";
import { formatDecimal, formatNsTime, formatPct, formatPnl, nsToChartTime, pnlClass } from "../lib/format";
import { keys, lastTicks, tickBus } from "../lib/live";
import { recordChartUpdate } from "../lib/perf";

function orderText(r: OrderResult): string {
  return `Filled: ${r.order.side} ${r.order.qty} ${r.order.symbol}`;
}

/** Live price chart + price/bid/ask labels, all updated from ticks without React renders. */
function LivePrice(props: { exchange: string; symbol: string }): ReactNode {
  const { exchange, symbol } = props;
  const history = useQuery({
    queryKey: ["history", exchange, symbol],
    queryFn: () => api.marketHistory(exchange, symbol, 500),
  });
  const series = useRef<ISeriesApi<SeriesType> | null>(null);
  const lastTime = useRef(0);
  const priceEl = useRef<HTMLSpanElement>(null);
  const bidEl = useRef<HTMLSpanElement>(null);
  const askEl = useRef<HTMLSpanElement>(null);
  const timeEl = useRef<HTMLSpanElement>(null);

  const data = useMemo<Point[]>(
    () => (history.data ?? []).flatMap((p) => (p.price === null ? [] : [{ time: nsToChartTime(p.ts), value: Number(p.price) }])),
    [history.data],
  );
  useEffect(() => {
    lastTime.current = data.length ? (data[data.length - 1]?.time ?? 0) : 0;
  }, [data]);

  useEffect(() => {
    const show = (t: Tick) => {
      if (priceEl.current) priceEl.current.textContent = formatDecimal(t.price, 2);
      if (bidEl.current) bidEl.current.textContent = formatDecimal(t.bid, 2);
      if (askEl.current) askEl.current.textContent = formatDecimal(t.ask, 2);
      if (timeEl.current) timeEl.current.textContent = formatNsTime(t.ts);
    };
    const seen = lastTicks.get(`${exchange}:${symbol}`);
    if (seen) show(seen);
    return tickBus.subscribe((t) => {
      if (t.exchange !== exchange || t.symbol !== symbol) return;
      const t0 = performance.now();
      show(t);
      const s = series.current;
      const time = nsToChartTime(t.ts);
      // lightweight-charts only accepts points at or after the last one; a quote-only tick
      // before the first trade has no price to draw.
      if (s && t.price !== null && time >= lastTime.current) {
        s.update({ time: time as UTCTimestamp, value: Number(t.price) });
        lastTime.current = time;
      }
      recordChartUpdate(performance.now() - t0);
    });
  }, [exchange, symbol]);

  const onSeries = useCallback((s: ISeriesApi<SeriesType> | null) => {
    series.current = s;
  }, []);

  return (
    <>
      <div className="quote">
        <span className="quote-price" ref={priceEl} data-testid="live-price">
          —
        </span>
        <span className="muted">
          bid <span ref={bidEl} data-testid="bid">—</span> · ask <span ref={askEl} data-testid="ask">—</span> ·{" "}
          <span ref={timeEl}>—</span> UTC
        </span>
      </div>
      <QueryState isLoading={history.isLoading} error={history.error} onRetry={() => history.refetch()}>
        <Chart data={data} onSeries={onSeries} testId="price-chart" height={300} />
      </QueryState>
    </>
  );
}

function MarketPanel(props: { exchange: string; symbol: string }): ReactNode {
  const market = useQuery({
    queryKey: keys.market(props.exchange, props.symbol),
    queryFn: () => api.market(props.exchange, props.symbol),
  });
  const m = market.data;
  const [result, setResult] = useState<ActionResult>(null);
  const stream = useMutation({
    mutationFn: (action: "start" | "stop") => api.stream(action, props.exchange, props.symbol),
    onSuccess: (r) => setResult({ ok: true, text: `Stream ${r.exchange}/${r.symbol}: ${r.running ? "running" : "stopped"}` }),
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  return (
    <Panel
      title="Market"
      actions={
        <span className="actions">
          <button onClick={() => stream.mutate("start")} disabled={stream.isPending}>
            Start stream
          </button>
          <button onClick={() => stream.mutate("stop")} disabled={stream.isPending}>
            Stop stream
          </button>
          <button className="link" onClick={() => market.refetch()}>
            Refresh
          </button>
        </span>
      }
    >
      <Result result={result} testId="stream-result" />
      <QueryState isLoading={market.isLoading} error={market.error} onRetry={() => market.refetch()}>
        {m && (
          <>
            <div className="cards">
              <Card label="Mark (snapshot)" value={formatDecimal(m.price, 2)} />
              <Card label="Funding rate" value={m.funding_rate === null ? "—" : formatPct(Number(m.funding_rate), 4)} />
              <Card label="24 h volume" value={formatDecimal(m.volume_24h, 0)} />
              <Card label="Open interest" value={formatDecimal(m.open_interest, 0)} />
            </div>
            <table className="book">
              <thead>
                <tr>
                  <th>Bid size</th>
                  <th>Bid</th>
                  <th>Ask</th>
                  <th>Ask size</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: Math.min(5, Math.max(m.book.bids.length, m.book.asks.length)) }, (_, i) => (
                  <tr key={i}>
                    <td>{formatDecimal(m.book.bids[i]?.[1], 4)}</td>
                    <td className="pos">{formatDecimal(m.book.bids[i]?.[0], 2)}</td>
                    <td className="neg">{formatDecimal(m.book.asks[i]?.[0], 2)}</td>
                    <td>{formatDecimal(m.book.asks[i]?.[1], 4)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>
    </Panel>
  );
}

function SignalsPanel(): ReactNode {
  const qc = useQueryClient();
  const signals = useQuery({ queryKey: keys.signals, queryFn: () => api.signals("PENDING") });
  const [result, setResult] = useState<ActionResult>(null);
  const execute = useMutation({
    mutationFn: api.executeSignal,
    onSuccess: (r) => {
      setResult({ ok: true, text: orderText(r) });
      // The position push normally arrives first; the refetch covers a late or lost push.
      void qc.invalidateQueries({ queryKey: keys.positions });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
    onSettled: () => signals.refetch(),
  });
  const items = signals.data?.items ?? [];
  return (
    <Panel title={`Pending signals (${items.length})`}>
      <Result result={result} testId="signal-result" />
      <QueryState isLoading={signals.isLoading} error={signals.error} isEmpty={items.length === 0} empty="No pending signals.">
        <table data-testid="signals-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Symbol</th>
              <th>Side</th>
              <th>Price</th>
              <th>Conf.</th>
              <th>Strategy</th>
              <th>Reason</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.slice(0, 20).map((s) => (
              <tr key={s.id} data-signal-id={s.id}>
                <td>{formatNsTime(s.ts)}</td>
                <td>{s.symbol}</td>
                <td className={s.side === "LONG" ? "pos" : "neg"}>{s.side}</td>
                <td>{formatDecimal(s.price, 2)}</td>
                <td>{formatPct(s.confidence, 0)}</td>
                <td>{s.strategy}</td>
                <td className="muted">{s.reason}</td>
                <td>
                  <button onClick={() => execute.mutate(s.id)} disabled={execute.isPending}>
                    Execute
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryState>
    </Panel>
  );
}

function PositionsPanel(): ReactNode {
  const positions = useQuery({ queryKey: keys.positions, queryFn: () => api.positions("open") });
  const [result, setResult] = useState<ActionResult>(null);
  const close = useMutation({
    mutationFn: api.closePosition,
    onSuccess: (r) => setResult({ ok: true, text: `Close requested for ${r.symbol}` }),
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const list = positions.data ?? [];
  return (
    <Panel title={`Open positions (${list.length})`}>
      <Result result={result} testId="close-result" />
      <QueryState isLoading={positions.isLoading} error={positions.error} isEmpty={list.length === 0} empty="No open positions.">
        <table data-testid="positions-table">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Side</th>
              <th>Size</th>
              <th>Entry</th>
              <th>Mark</th>
              <th>Unrealised P&L</th>
              <th>Lev.</th>
              <th>Liq.</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((p) => (
              <tr key={p.symbol} data-symbol={p.symbol}>
                <td>{p.symbol}</td>
                <td className={p.side === "LONG" ? "pos" : "neg"}>{p.side}</td>
                <td>{formatDecimal(p.size, 6)}</td>
                <td>{formatDecimal(p.entry_price, 2)}</td>
                <td>{formatDecimal(p.current_price, 2)}</td>
                <td className={pnlClass(p.unrealized_pnl)}>{formatPnl(p.unrealized_pnl)}</td>
                <td>{p.leverage}×</td>
                <td>{formatDecimal(p.liquidation_price, 2)}</td>
                <td>
                  <button onClick={() => close.mutate(p.symbol)} disabled={close.isPending}>
                    Close
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryState>
    </Panel>
  );
}

function OrderForm(props: { symbol: string }): ReactNode {
  const qc = useQueryClient();
  const [side, setSide] = useState<Side>("LONG");
  const [qty, setQty] = useState("");
  const [leverage, setLeverage] = useState("");
  const [result, setResult] = useState<ActionResult>(null);
  const order = useMutation({
    mutationFn: api.order,
    onSuccess: (r) => {
      setResult({ ok: true, text: orderText(r) });
      void qc.invalidateQueries({ queryKey: keys.positions });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    order.mutate({
      symbol: props.symbol,
      side,
      qty: qty.trim() === "" ? undefined : qty.trim(),
      leverage: leverage.trim() === "" ? undefined : Number(leverage),
    });
  };
  return (
    <Panel title="Paper order">
      <form className="inline-form" onSubmit={submit} data-testid="order-form">
        <span className="muted">{props.symbol}</span>
        <select value={side} onChange={(e) => setSide(e.target.value as Side)} name="side">
          <option value="LONG">LONG</option>
          <option value="SHORT">SHORT</option>
        </select>
        <input name="qty" placeholder="qty (auto-size)" value={qty} onChange={(e) => setQty(e.target.value)} inputMode="decimal" />
        <input name="leverage" placeholder="leverage" value={leverage} onChange={(e) => setLeverage(e.target.value)} inputMode="decimal" />
        <button type="submit" disabled={order.isPending}>
          Send order
        </button>
      </form>
      <Result result={result} testId="order-result" />
    </Panel>
  );
}

export default function TradingPage(): ReactNode {
  const exchanges = useQuery({ queryKey: ["exchanges"], queryFn: api.exchanges });
  const [exchangeId, setExchangeId] = useState<string | null>(null);
  const [symbolSel, setSymbolSel] = useState<string | null>(null);
  const list = exchanges.data ?? [];
  const exchange = list.find((x) => x.id === exchangeId) ?? list.find((x) => x.active) ?? list[0];
  const symbol = symbolSel && exchange?.symbols.includes(symbolSel) ? symbolSel : exchange?.symbols[0];

  return (
    <div className="page">
      <QueryState
        isLoading={exchanges.isLoading}
        error={exchanges.error}
        isEmpty={!exchange || !symbol}
        empty="No exchange or symbol is configured."
        onRetry={() => exchanges.refetch()}
      >
        {exchange && symbol && (
          <>
            <div className="toolbar">
              <label>
                Exchange
                <select name="exchange" value={exchange.id} onChange={(e) => setExchangeId(e.target.value)}>
                  {list.map((x) => (
                    <option key={x.id} value={x.id} disabled={!x.available}>
                      {x.name} ({x.type}){x.available ? "" : " — unavailable"}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Symbol
                <select name="symbol" value={symbol} onChange={(e) => setSymbolSel(e.target.value)}>
                  {exchange.symbols.map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </label>
            </div>
            <div className="grid2">
              <Panel title={`${symbol} · ${exchange.name}`}>
                <LivePrice key={`${exchange.id}:${symbol}`} exchange={exchange.id} symbol={symbol} />
              </Panel>
              <MarketPanel key={`m-${exchange.id}:${symbol}`} exchange={exchange.id} symbol={symbol} />
            </div>
            <SignalsPanel />
            <PositionsPanel />
            <OrderForm symbol={symbol} />
          </>
        )}
      </QueryState>
    </div>
  );
}
