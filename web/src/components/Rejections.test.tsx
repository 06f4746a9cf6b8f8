import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { cleanup } from "@testing-library/react";
import type { Rejections, RiskState } from "../lib/api/types";
import { applyMessage, keys } from "../lib/live";
import { RejectionsByReason } from "./Rejections";

afterEach(cleanup);

const none: Rejections = { ticks: {}, signals: {}, orders: {}, other: {} };

function risk(rejections: Rejections): RiskState {
  return {
    equity: "10000.00000000",
    peak_equity: "10000.00000000",
    drawdown_fraction: 0,
    drawdown_amount: "0.00000000",
    drawdown_limit_fraction: 0.15,
    risk_level: "Low",
    halted: false,
    halt_reason: null,
    trades_today: 0,
    limits: {
      max_drawdown: 0.15,
      max_position_notional: 0.05,
      max_trades_per_day: 50,
      max_leverage: 10,
      max_open_positions: 5,
      kelly_fraction: 0.25,
      kelly_min_trades: 20,
      kelly_prior_trades: 0,
      fixed_fraction: 0.01,
      fixed_qty: null,
    },
    positions: [],
    rejections,
  };
}

/** What the Risk page does: the risk query, whose cache the `risk` pushes write. */
function LiveRejections(): ReactNode {
  const r = useQuery<RiskState>({ queryKey: keys.risk, queryFn: () => Promise.reject(new Error("no fetch in this test")) });
  return r.data ? <RejectionsByReason rejections={r.data.rejections} /> : null;
}

describe("rejections by reason", () => {
  it("shows the three groups with totals, reasons largest first, and other kinds only when there are some", () => {
    render(
      <RejectionsByReason
        rejections={{ ...none, ticks: { wide_spread: 2, time_backwards: 1234 }, orders: { notional_cap: 3 } }}
      />,
    );
    expect(screen.getByTestId("rejections-ticks-total").textContent).toBe("1,236");
    const rows = within(screen.getByTestId("rejections-ticks")).getAllByRole("row");
    expect(rows.map((r) => r.getAttribute("data-reason"))).toEqual(["time_backwards", "wide_spread"]);
    expect(rows[0]?.textContent).toBe("time_backwards1,234");
    expect(screen.getByTestId("rejections-orders-total").textContent).toBe("3");
    // No signal: reasons yet (the core may not report them): the group says so.
    expect(screen.getByTestId("rejections-signals").textContent).toContain("none");
    expect(screen.queryByTestId("rejections-other")).toBeNull();
  });

  it("lists a kind it does not know under its full name", () => {
    render(<RejectionsByReason rejections={{ ...none, other: { "venue:timeout": 2 } }} />);
    expect(within(screen.getByTestId("rejections-other")).getByRole("row").textContent).toBe("venue:timeout2");
  });

  it("follows the risk pushes without a request", async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY, retry: false } } });
    qc.setQueryData(keys.risk, risk({ ...none, ticks: { time_backwards: 5 } }));
    render(
      <QueryClientProvider client={qc}>
        <LiveRejections />
      </QueryClientProvider>,
    );
    expect(screen.getByTestId("rejections-ticks-total").textContent).toBe("5");
    const pushed = risk({ ...none, ticks: { time_backwards: 9 }, signals: { same_side: 4 } });
    act(() => void applyMessage(qc, { type: "risk", seq: 1, ts: 0, data: pushed }));
    await waitFor(() => expect(screen.getByTestId("rejections-ticks-total").textContent).toBe("9"));
    expect(screen.getByTestId("rejections-signals-total").textContent).toBe("4");
  });
});
