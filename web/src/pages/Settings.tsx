import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { type ActionResult, Panel, QueryState, Result } from "../components/State";
import { api, errorText } from "../lib/api/client";
import type { RiskLimits, User } from "../lib/api/types";
import { DISCLAIMER } from "../lib/disclaimer";
import { keys } from "../lib/live";

const LIMIT_FIELDS: [keyof RiskLimits, string][] = [
  ["max_drawdown", "Max drawdown (fraction of peak equity, 0.15 = 15 %)"],
  ["max_position_notional", "Max position notional (fraction of equity, 0.05 = 5 %)"],
  ["max_trades_per_day", "Max trades per day"],
  ["max_leverage", "Max leverage (×)"],
  ["max_open_positions", "Max open positions"],
  ["kelly_fraction", "Kelly fraction (share of full Kelly, 0.25 = ¼)"],
  ["kelly_min_trades", "Kelly min trades"],
  ["fixed_fraction", "Fixed fraction (of equity, 0.01 = 1 %)"],
];

function LimitsForm({ isAdmin }: { isAdmin: boolean }): ReactNode {
  const qc = useQueryClient();
  const risk = useQuery({ queryKey: keys.risk, queryFn: api.risk });
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [result, setResult] = useState<ActionResult>(null);
  const limits = risk.data?.limits;
  useEffect(() => {
    if (limits) setDraft(Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, String(v)])));
  }, [limits]);
  const save = useMutation({
    mutationFn: api.riskLimits,
    onSuccess: (r) => {
      qc.setQueryData(keys.risk, r);
      setResult({ ok: true, text: "Risk limits saved." });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = Object.fromEntries(LIMIT_FIELDS.map(([k]) => [k, Number(draft[k])])) as unknown as RiskLimits;
    save.mutate(body);
  };
  return (
    <Panel title="Risk limits">
      <QueryState isLoading={risk.isLoading} error={risk.error}>
        <form className="grid-form" onSubmit={submit}>
          {LIMIT_FIELDS.map(([k, label]) => (
            <label key={k}>
              {label}
              <input
                name={k}
                value={draft[k] ?? ""}
                disabled={!isAdmin}
                inputMode="decimal"
                onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
              />
            </label>
          ))}
          <div>
            <button type="submit" disabled={!isAdmin || save.isPending}>
              Save limits
            </button>
            {!isAdmin && <span className="muted"> Admins only.</span>}
          </div>
        </form>
        <Result result={result} />
      </QueryState>
    </Panel>
  );
}

function Credentials(): ReactNode {
  const qc = useQueryClient();
  const creds = useQuery({ queryKey: ["credentials"], queryFn: api.credentials });
  const [form, setForm] = useState({ exchange: "", label: "", api_key: "", secret: "" });
  const [result, setResult] = useState<ActionResult>(null);
  const add = useMutation({
    mutationFn: api.addCredential,
    onSuccess: (c) => {
      setForm({ exchange: "", label: "", api_key: "", secret: "" });
      setResult({ ok: true, text: `Saved ${c.exchange} key ${c.key_hint}` });
      void qc.invalidateQueries({ queryKey: ["credentials"] });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const del = useMutation({
    mutationFn: api.deleteCredential,
    onSuccess: () => {
      setResult({ ok: true, text: "Key deleted." });
      void qc.invalidateQueries({ queryKey: ["credentials"] });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const items = creds.data ?? [];
  return (
    <Panel title="Exchange API keys">
      <QueryState isLoading={creds.isLoading} error={creds.error} isEmpty={items.length === 0} empty="No keys stored.">
        <table>
          <thead>
            <tr>
              <th>Exchange</th>
              <th>Label</th>
              <th>Key</th>
              <th>Added</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id}>
                <td>{c.exchange}</td>
                <td>{c.label}</td>
                <td className="mono">{c.key_hint}</td>
                <td>{c.created_at}</td>
                <td>
                  <button className="link" onClick={() => del.mutate(c.id)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </QueryState>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(form);
        }}
      >
        <input placeholder="exchange" value={form.exchange} onChange={(e) => setForm({ ...form, exchange: e.target.value })} required />
        <input placeholder="label" value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} />
        <input
          placeholder="API key"
          type="password"
          autoComplete="off"
          value={form.api_key}
          onChange={(e) => setForm({ ...form, api_key: e.target.value })}
          required
        />
        <input
          placeholder="secret"
          type="password"
          autoComplete="off"
          value={form.secret}
          onChange={(e) => setForm({ ...form, secret: e.target.value })}
          required
        />
        <button type="submit" disabled={add.isPending}>
          Add key
        </button>
      </form>
      <Result result={result} />
    </Panel>
  );
}

function LiveTrading({ isAdmin }: { isAdmin: boolean }): ReactNode {
  const [understood, setUnderstood] = useState(false);
  const [enabled, setEnabled] = useState(false);
  const [result, setResult] = useState<ActionResult>(null);
  const toggle = useMutation({
    mutationFn: api.liveTrading,
    onSuccess: (r) => {
      setEnabled(r.enabled);
      setResult({ ok: true, text: `Live trading ${r.enabled ? "ENABLED" : "disabled"}. ${r.disclaimer}` });
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  return (
    <Panel title="Live trading">
      <p className="disclaimer inline">{DISCLAIMER}</p>
      <label className="check">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} /> I have read the
        warning and use my own API keys at my own risk.
      </label>
      <div className="actions">
        <button
          className={enabled ? "" : "danger"}
          disabled={!isAdmin || (!enabled && !understood) || toggle.isPending}
          onClick={() => toggle.mutate(!enabled)}
        >
          {enabled ? "Disable live trading" : "Enable live trading"}
        </button>
        {!isAdmin && <span className="muted">Admins only.</span>}
      </div>
      <Result result={result} />
    </Panel>
  );
}

function AutomationRow({ account }: { account: User }): ReactNode {
  const qc = useQueryClient();
  const key = ["automation", account.id];
  const state = useQuery({ queryKey: key, queryFn: () => api.automation(account.id) });
  const [result, setResult] = useState<ActionResult>(null);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => api.setAutomation(account.id, enabled),
    onSuccess: (r) => {
      qc.setQueryData(key, r);
      setResult(null);
    },
    onError: (e) => setResult({ ok: false, text: errorText(e) }),
  });
  const on = state.data?.enabled;
  return (
    <tr data-testid={`automation-${account.username}`}>
      <td>{account.username}</td>
      <td>{account.role}</td>
      <td>{account.active ? "active" : "disabled"}</td>
      <td className={on === undefined ? "flat" : on ? "pos" : "flat"} data-testid="automation-state">
        {state.error ? errorText(state.error) : on === undefined ? "…" : on ? "ON" : "OFF"}
      </td>
      <td>
        <button disabled={on === undefined || toggle.isPending} onClick={() => toggle.mutate(!on)}>
          {on ? "Turn off" : "Turn on"}
        </button>
        <Result result={result} />
      </td>
    </tr>
  );
}

/** Which accounts the automated strategies trade by themselves (admin only). */
function Automation(): ReactNode {
  const users = useQuery({ queryKey: ["users"], queryFn: api.users });
  const items = users.data ?? [];
  return (
    <Panel title="Automated trading per account">
      <p className="muted">
        On: the built-in strategies open and close positions on that account by themselves. Off: their signals wait as
        pending on the Trading page for the user to execute.
      </p>
      <QueryState isLoading={users.isLoading} error={users.error} isEmpty={items.length === 0} empty="No users.">
        <table aria-label="Automated trading per account">
          <thead>
            <tr>
              <th>User</th>
              <th>Role</th>
              <th>Status</th>
              <th>Automated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <AutomationRow key={u.id} account={u} />
            ))}
          </tbody>
        </table>
      </QueryState>
    </Panel>
  );
}

export default function SettingsPage({ user }: { user: User }): ReactNode {
  const isAdmin = user.role === "admin";
  return (
    <div className="page">
      {isAdmin && <Automation />}
      <LimitsForm isAdmin={isAdmin} />
      <Credentials />
      <LiveTrading isAdmin={isAdmin} />
    </div>
  );
}
