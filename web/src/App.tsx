import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, type ReactNode, Suspense, useEffect } from "react";
import { NavLink, Navigate, Route, Routes } from "react-router";
import { api } from "./lib/api/client";
import { meKey, useMe } from "./lib/auth";
import { DISCLAIMER } from "./lib/disclaimer";
import { keys } from "./lib/live";
import { useConnectionState, useLiveConnection } from "./lib/useLive";
import { HomePage } from "./pages/Home";
import { LoginPage } from "./pages/Login";

// Chart pages are split out so lightweight-charts is not in the main bundle.
const TradingPage = lazy(() => import("./pages/Trading"));
const RiskPage = lazy(() => import("./pages/Risk"));
const PerformancePage = lazy(() => import("./pages/Performance"));
const TradesPage = lazy(() => import("./pages/Trades"));
const BacktestsPage = lazy(() => import("./pages/Backtests"));
const SettingsPage = lazy(() => import("./pages/Settings"));

const NAV = [
  ["/", "Home"],
  ["/trading", "Trading"],
  ["/risk", "Risk"],
  ["/performance", "Performance"],
  ["/trades", "Trade log"],
  ["/backtests", "Backtests"],
  ["/settings", "Settings"],
] as const;

function ConnectionBanner(): ReactNode {
  const conn = useConnectionState();
  const status = useQuery({ queryKey: keys.status, queryFn: api.status });
  const feedDown = status.data && !status.data.feed_connected;
  return (
    <>
      <span className={`pill ${conn === "open" ? "ok" : "bad"}`} data-testid="conn">
        {conn === "open" ? "Live" : conn === "connecting" ? "Connecting…" : "Disconnected"}
      </span>
      {conn !== "open" && (
        <div className="banner bad" role="alert">
          Connection to the service is down — reconnecting; figures may be stale.
        </div>
      )}
      {feedDown && (
        <div className="banner warn" role="alert">
          Market feed “{status.data?.feed}” is disconnected — prices are not updating.
        </div>
      )}
    </>
  );
}

export function App(): ReactNode {
  const qc = useQueryClient();
  const { user, isLoading } = useMe();
  useLiveConnection(user !== null);
  // First meaningful render (login form or shell), read by the browser test's load-time check.
  useEffect(() => {
    if (!isLoading && performance.getEntriesByName("quantum:ready").length === 0) performance.mark("quantum:ready");
  }, [isLoading]);

  if (isLoading) return <div className="state loading">Loading…</div>;
  if (!user) {
    return (
      <Routes>
        <Route path="*" element={<LoginPage />} />
      </Routes>
    );
  }

  const logout = async () => {
    try {
      await api.logout();
    } finally {
      qc.clear();
      qc.setQueryData(meKey, null);
    }
  };

  return (
    <div className="app">
      <header className="top">
        <span className="brand">Quantum HFT</span>
        <span className="paper">PAPER</span>
        <nav>
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to} end={to === "/"}>
              {label}
            </NavLink>
          ))}
        </nav>
        <span className="spacer" />
        <ConnectionBanner />
        <span className="user" data-testid="user">
          {user.username} ({user.role})
        </span>
        <button className="link" onClick={logout}>
          Log out
        </button>
      </header>
      <main>
        <Suspense fallback={<div className="state loading">Loading…</div>}>
          <Routes>
            <Route path="/" element={<HomePage />} />
            <Route path="/trading" element={<TradingPage />} />
            <Route path="/risk" element={<RiskPage user={user} />} />
            <Route path="/performance" element={<PerformancePage />} />
            <Route path="/trades" element={<TradesPage />} />
            <Route path="/backtests" element={<BacktestsPage />} />
            <Route path="/settings" element={<SettingsPage user={user} />} />
            <Route path="/login" element={<Navigate to="/" replace />} />
            <Route path="*" element={<div className="state empty">Page not found.</div>} />
          </Routes>
        </Suspense>
      </main>
      <footer className="disclaimer" data-testid="disclaimer">
        {DISCLAIMER}
      </footer>
    </div>
  );
}
