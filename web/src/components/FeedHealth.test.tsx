import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { BookStatus, FeedStatus, Performance, SystemStatus } from "../lib/api/types";
import { applyMessage, keys } from "../lib/live";
import { HomePage } from "../pages/Home";
import { FeedHealth } from "./FeedHealth";

afterEach(cleanup);

const book = (over: Partial<BookStatus> = {}): BookStatus => ({
  valid: true,
  gaps: 0,
  checksum_failures: 0,
  book_errors: 0,
  resyncs: 0,
  snapshots: 1,
  updates: 1200,
  dropped: 0,
  buffered: 0,
  last_error: null,
  resync_requests: 0,
  ...over,
});

const healthy = (): FeedStatus => ({
  connected: true,
  native_book: true,
  books_valid: true,
  gaps: 1,
  checksum_failures: 0,
  resyncs: 1,
  retries: 2,
  books: { "ETH/USDT": book({ gaps: 1, resyncs: 1, snapshots: 2 }), "BTC/USDT": book({ updates: 34567 }) },
});

const broken = (): FeedStatus => ({
  connected: true,
  native_book: true,
  books_valid: false,
  gaps: 0,
  checksum_failures: 3,
  resyncs: 2,
  retries: 0,
  books: {
    "BTC/USDT": book({ updates: 500 }),
    "ETH/USDT": book({
      valid: false,
      checksum_failures: 3,
      resyncs: 2,
      updates: 410,
      last_error: "ChecksumMismatch: kraken ETH/USDT checksum 1234 != 5678",
    }),
  },
});

const rowCells = (symbol: string) =>
  within(screen.getByTestId(`book-${symbol}`))
    .getAllByRole("cell")
    .map((c) => c.textContent);

describe("FeedHealth", () => {
  it("shows a valid exchange feed: connection, totals and one sorted row per symbol, no alert", () => {
    render(<FeedHealth feed={healthy()} />);
    expect(screen.getByRole("region", { name: "Exchange feed health" })).toBeTruthy();
    expect(screen.getByTestId("feed-connection").textContent).toBe("connected");
    expect(screen.getByTestId("feed-connection").className).toContain("pos");
    expect(screen.getByTestId("books-valid").textContent).toBe("valid");
    expect(screen.getByTestId("feed-gaps").textContent).toBe("1");
    expect(screen.getByTestId("feed-checksum-failures").textContent).toBe("0");
    expect(screen.getByTestId("feed-resyncs").textContent).toBe("1");
    expect(screen.getByTestId("feed-retries").textContent).toBe("2");
    expect(screen.queryByRole("alert")).toBeNull();
    const table = screen.getByRole("table", { name: "Order books" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getAllByRole("cell")[0]?.textContent)).toEqual(["BTC/USDT", "ETH/USDT"]);
    expect(rowCells("BTC/USDT")).toEqual(["BTC/USDT", "valid", "0", "0", "0", "34,567", "—"]);
    expect(rowCells("ETH/USDT")).toEqual(["ETH/USDT", "valid", "1", "0", "1", "1,200", "—"]);
  });

  it("flags an invalid book by symbol with the core's last error", () => {
    render(<FeedHealth feed={broken()} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Order book INVALID");
    expect(alert.textContent).toContain("ETH/USDT (ChecksumMismatch: kraken ETH/USDT checksum 1234 != 5678)");
    expect(alert.textContent).not.toContain("BTC/USDT");
    expect(screen.getByTestId("books-valid").textContent).toBe("INVALID");
    expect(screen.getByTestId("books-valid").className).toContain("neg");
    expect(screen.getByTestId("feed-checksum-failures").textContent).toBe("3");
    expect(screen.getByTestId("feed-checksum-failures").className).toContain("warn");
    const eth = within(screen.getByTestId("book-ETH/USDT")).getAllByRole("cell");
    expect(eth[1]?.textContent).toBe("INVALID");
    expect(eth[1]?.className).toBe("neg");
    expect(eth[6]?.textContent).toBe("ChecksumMismatch: kraken ETH/USDT checksum 1234 != 5678");
  });

  it("names a book that never got its first snapshot, and a disconnected feed", () => {
    const feed: FeedStatus = { ...healthy(), connected: false, books_valid: false };
    feed.books["BTC/USDT"] = book({ valid: false, snapshots: 0, updates: 0 });
    render(<FeedHealth feed={feed} />);
    expect(screen.getByRole("alert").textContent).toContain("BTC/USDT (waiting for a snapshot)");
    expect(screen.getByTestId("feed-connection").textContent).toBe("DISCONNECTED");
    expect(screen.getByTestId("feed-connection").className).toContain("neg");
  });

  it("says when the books are not checked (no native book) and draws no table", () => {
    render(<FeedHealth feed={{ ...healthy(), native_book: false, books_valid: null, books: {} }} />);
    expect(screen.getByTestId("books-valid").textContent).toBe("not checked");
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("renders nothing for the recording and synthetic feeds", () => {
    const { container, rerender } = render(<FeedHealth feed={null} />);
    expect(container.innerHTML).toBe("");
    rerender(<FeedHealth feed={undefined} />);
    expect(container.innerHTML).toBe("");
  });
});

describe("Home system status", () => {
  const status = (feed: string, feed_status: FeedStatus | null): SystemStatus => ({
    engine_state: "running",
    feed_connected: true,
    feed,
    feed_status,
    ticks_processed: 10,
    ticks_rejected: 0,
    signals: 0,
    trades: 0,
    writer_backlog: 0,
    latency_us: { p50: 3, p99: 9 },
    uptime_s: 5,
  });
  const perf: Performance = {
    heatmap: [],
    max_drawdown_amount: "0",
    max_drawdown_fraction: 0,
    profit_factor: null,
    sharpe: null,
    sortino: null,
    total_pnl: "0",
    total_trades: 0,
    win_rate: 0,
  };

  it("shows the feed health from REST and follows status pushes, and nothing for a recording feed", async () => {
    // Seeded cache and infinite staleTime: nothing is fetched, as in the app after first load.
    const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY, retry: false } } });
    qc.setQueryData(keys.performance, perf);
    qc.setQueryData(keys.positions, []);
    qc.setQueryData(keys.status, status("recording", null));
    render(
      <QueryClientProvider client={qc}>
        <HomePage />
      </QueryClientProvider>,
    );
    expect(screen.getByTestId("feed").textContent).toBe("connected");
    expect(screen.queryByRole("region", { name: "Exchange feed health" })).toBeNull();

    // React Query notifies its observers on a later task, hence the awaited finds.
    act(() => void applyMessage(qc, { type: "status", seq: 1, ts: 0, data: status("exchange", broken()) }));
    expect((await screen.findByRole("alert")).textContent).toContain("ETH/USDT (ChecksumMismatch");
    expect(screen.getByRole("table", { name: "Order books" })).toBeTruthy();

    act(() => void applyMessage(qc, { type: "status", seq: 2, ts: 0, data: status("exchange", healthy()) }));
    await waitFor(() => expect(screen.getByTestId("books-valid").textContent).toBe("valid"));
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
