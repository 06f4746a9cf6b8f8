import type { ReactNode } from "react";
import type { Rejections } from "../lib/api/types";
import { formatCount } from "../lib/format";

/** The three groups a trader asks about, in the order the pipeline meets them. */
const GROUPS = [
  { key: "ticks", title: "Ticks", what: "refused by the sanitizer" },
  { key: "signals", title: "Signals", what: "not acted on" },
  { key: "orders", title: "Orders", what: "refused by DRB-Guard and sizing" },
] as const;

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((n, c) => n + c, 0);
}

function Group(props: { id: string; title: string; what: string; counts: Record<string, number> }): ReactNode {
  const rows = Object.entries(props.counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <div className="rejections-group" data-testid={`rejections-${props.id}`}>
      <h3>
        {props.title} <span className="muted">{props.what}</span>{" "}
        <span className="rejections-total" data-testid={`rejections-${props.id}-total`}>
          {formatCount(total(props.counts))}
        </span>
      </h3>
      {rows.length === 0 ? (
        <div className="muted">none</div>
      ) : (
        <table className="kv" aria-label={`${props.title} rejected by reason`}>
          <tbody>
            {rows.map(([reason, n]) => (
              <tr key={reason} data-reason={reason}>
                <td>{reason}</td>
                <td>{formatCount(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/**
 * Rejections by reason since the service started, in three groups (and any other kind the engine
 * reports, under its full name). Fed by the `risk` pushes through the query cache: it updates live.
 */
export function RejectionsByReason({ rejections }: { rejections: Rejections }): ReactNode {
  const other = rejections.other;
  return (
    <div className="rejections">
      {GROUPS.map((g) => (
        <Group key={g.key} id={g.key} title={g.title} what={g.what} counts={rejections[g.key]} />
      ))}
      {Object.keys(other).length > 0 && <Group id="other" title="Other" what="other kinds" counts={other} />}
    </div>
  );
}
