import type { ReactNode } from "react";
import { errorText } from "../lib/api/client";

/** Loading / error / empty wrapper used by every panel. */
export function QueryState(props: {
  isLoading: boolean;
  error: unknown;
  isEmpty?: boolean;
  empty?: string;
  onRetry?: () => void;
  children: ReactNode;
}): ReactNode {
  if (props.isLoading) return <div className="state loading">Loading…</div>;
  if (props.error) {
    return (
      <div className="state error" role="alert">
        {errorText(props.error)}
        {props.onRetry && (
          <button className="link" onClick={props.onRetry}>
            Retry
          </button>
        )}
      </div>
    );
  }
  if (props.isEmpty) return <div className="state empty">{props.empty ?? "Nothing yet."}</div>;
  return props.children;
}

/** The outcome of the last action: green on success, red with the server's reason on failure. */
export type ActionResult = { ok: boolean; text: string } | null;

export function Result({ result, testId }: { result: ActionResult; testId?: string }): ReactNode {
  if (!result) return null;
  return (
    <div className={`result ${result.ok ? "ok" : "bad"}`} role={result.ok ? "status" : "alert"} data-testid={testId}>
      {result.text}
    </div>
  );
}

export function Card(props: { label: string; value: ReactNode; sub?: ReactNode; className?: string; testId?: string }): ReactNode {
  return (
    <div className="card">
      <div className="card-label">{props.label}</div>
      <div className={`card-value ${props.className ?? ""}`} data-testid={props.testId}>
        {props.value}
      </div>
      {props.sub && <div className="card-sub">{props.sub}</div>}
    </div>
  );
}

export function Panel(props: { title: string; actions?: ReactNode; children: ReactNode; className?: string }): ReactNode {
  return (
    <section className={`panel ${props.className ?? ""}`}>
      <header className="panel-head">
        <h2>{props.title}</h2>
        {props.actions}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}
