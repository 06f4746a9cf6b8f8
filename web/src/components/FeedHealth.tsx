import type { ReactNode } from "react";
import type { BookStatus, FeedStatus } from "../lib/api/types";
import { formatCount } from "../lib/format";
import { Card } from "./State";

/** Why a book is invalid: the core's last error, or that its first snapshot has not arrived. */
function reason(book: BookStatus): string {
  return book.last_error ?? "waiting for a snapshot";
}

/** What the books' validity says: checked by our core only when the feed keeps native books. */
function booksValue(feed: FeedStatus): { text: string; className: string } {
  if (feed.books_valid === true) return { text: "valid", className: "pos" };
  if (feed.books_valid === false) return { text: "INVALID", className: "neg" };
  return { text: feed.native_book ? "no book yet" : "not checked", className: "flat" };
}

/**
 * Health of a live exchange feed (`SystemStatus.feed_status`): connection, whether every L2 book
 * passed the venue's sequence/checksum rule, the gap / checksum / resync / retry totals and one
 * row per symbol. Renders nothing for the recording and synthetic feeds (`feed_status` is null).
 */
export function FeedHealth({ feed }: { feed: FeedStatus | null | undefined }): ReactNode {
  if (!feed) return null;
  // Sorted so rows keep their place as pushes arrive (object key order is the server's).
  const books = Object.entries(feed.books).sort(([a], [b]) => a.localeCompare(b));
  const invalid = books.filter(([, b]) => !b.valid);
  const valid = booksValue(feed);
  return (
    <section className="feed-health" aria-label="Exchange feed health">
      {invalid.length > 0 && (
        <div className="banner warn" role="alert" data-testid="books-invalid">
          Order book INVALID — {invalid.map(([symbol, b]) => `${symbol} (${reason(b)})`).join("; ")}. No
          prices come from an invalid book until a fresh snapshot resyncs it.
        </div>
      )}
      <div className="cards">
        <Card
          label="Exchange feed"
          value={feed.connected ? "connected" : "DISCONNECTED"}
          className={feed.connected ? "pos" : "neg"}
          testId="feed-connection"
        />
        <Card label="Books" value={valid.text} className={valid.className} testId="books-valid" />
        <Card label="Gaps" value={formatCount(feed.gaps)} className={feed.gaps > 0 ? "warn" : ""} testId="feed-gaps" />
        <Card
          label="Checksum failures"
          value={formatCount(feed.checksum_failures)}
          className={feed.checksum_failures > 0 ? "warn" : ""}
          testId="feed-checksum-failures"
        />
        <Card label="Resyncs" value={formatCount(feed.resyncs)} testId="feed-resyncs" />
        <Card label="Retries" value={formatCount(feed.retries)} testId="feed-retries" />
      </div>
      {books.length > 0 && (
        <table className="feed-books" aria-label="Order books">
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Book</th>
              <th scope="col">Gaps</th>
              <th scope="col">Checksum fails</th>
              <th scope="col">Resyncs</th>
              <th scope="col">Updates</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {books.map(([symbol, b]) => (
              <tr key={symbol} data-testid={`book-${symbol}`}>
                <td>{symbol}</td>
                <td className={b.valid ? "pos" : "neg"}>{b.valid ? "valid" : "INVALID"}</td>
                <td>{formatCount(b.gaps)}</td>
                <td>{formatCount(b.checksum_failures)}</td>
                <td>{formatCount(b.resyncs)}</td>
                <td>{formatCount(b.updates)}</td>
                <td className="feed-error">{b.last_error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
