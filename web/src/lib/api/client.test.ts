import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, buildQuery, errorText, setUnauthorizedHandler } from "./client";

function respond(status: number, body: unknown) {
  const fetchMock = vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setUnauthorizedHandler(null);
});

describe("api client", () => {
  it("builds query strings without empty values", () => {
    expect(buildQuery({ symbol: "BTCUSDT", status: "", limit: 50, offset: 0, since: undefined })).toBe("?symbol=BTCUSDT&limit=50&offset=0");
    expect(buildQuery({})).toBe("");
  });

  it("posts JSON and returns the body", async () => {
    const f = respond(200, { order: { symbol: "BTCUSDT", side: "LONG", qty: "0.01" }, signal: null });
    const r = await api.order({ symbol: "BTCUSDT", side: "LONG", qty: "0.01" });
    expect(r.order.qty).toBe("0.01");
    const [url, init] = f.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/orders");
    expect(init.method).toBe("POST");
    expect(JSON.parse(String(init.body))).toEqual({ symbol: "BTCUSDT", side: "LONG", qty: "0.01" });
  });

  it("carries DRB-Guard's refusal reason from a 409", async () => {
    respond(409, { detail: "notional above the cap", reason: "notional_cap" });
    const err = await api.executeSignal("7").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(409);
    expect((err as ApiError).reason).toBe("notional_cap");
    expect(errorText(err)).toBe("Refused by DRB-Guard: notional_cap — notional above the cap");
  });

  it("flattens FastAPI's 422 detail list", async () => {
    respond(422, { detail: [{ loc: ["body", "qty"], msg: "not a decimal" }] });
    const err = await api.order({ symbol: "X", side: "LONG", qty: "abc" }).catch((e: unknown) => e);
    expect(errorText(err)).toBe("422: qty: not a decimal");
  });

  it("reports 401 to the app (session expired) except on login", async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    respond(401, { detail: "not authenticated" });
    await expect(api.status()).rejects.toThrow("not authenticated");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    respond(401, { detail: "invalid username or password" });
    await expect(api.login("a", "b")).rejects.toThrow("invalid username");
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it("turns a network failure into a clear error", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const err = await api.status().catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(0);
    expect(errorText(err)).toBe("service unreachable: Failed to fetch");
  });

  it("handles 204 and the CSV link", async () => {
    respond(204, undefined);
    await expect(api.logout()).resolves.toBeUndefined();
    expect(api.tradesCsvUrl({ symbol: "BTCUSDT", status: "CLOSED", limit: 50, offset: 100 })).toBe(
      "/api/trades.csv?symbol=BTCUSDT&status=CLOSED",
    );
  });
});
