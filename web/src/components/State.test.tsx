import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../lib/api/client";
import { QueryState, Result } from "./State";

afterEach(cleanup);

describe("QueryState", () => {
  it("shows loading, then error with retry, then empty, then content", () => {
    const retry = vi.fn();
    const { rerender } = render(
      <QueryState isLoading error={null}>
        <p>data</p>
      </QueryState>,
    );
    expect(screen.getByText("Loading…")).toBeTruthy();
    rerender(
      <QueryState isLoading={false} error={new ApiError(503, "engine stopped", null)} onRetry={retry}>
        <p>data</p>
      </QueryState>,
    );
    expect(screen.getByRole("alert").textContent).toContain("503: engine stopped");
    fireEvent.click(screen.getByText("Retry"));
    expect(retry).toHaveBeenCalledOnce();
    rerender(
      <QueryState isLoading={false} error={null} isEmpty empty="No trades match.">
        <p>data</p>
      </QueryState>,
    );
    expect(screen.getByText("No trades match.")).toBeTruthy();
    rerender(
      <QueryState isLoading={false} error={null}>
        <p>data</p>
      </QueryState>,
    );
    expect(screen.getByText("data")).toBeTruthy();
  });
});

describe("Result", () => {
  it("renders success as status and failure as alert", () => {
    const { rerender, container } = render(<Result result={null} />);
    expect(container.textContent).toBe("");
    rerender(<Result result={{ ok: true, text: "Filled" }} />);
    expect(screen.getByRole("status").textContent).toBe("Filled");
    rerender(<Result result={{ ok: false, text: "Refused by DRB-Guard: halted — kill switch" }} />);
    expect(screen.getByRole("alert").className).toContain("bad");
  });
});
