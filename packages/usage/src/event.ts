// When a usage event may be sent: late by at most the deduplication window, early by a little
// clock skew. An event outside it cannot be both deduplicated and billed exactly once.
export const MAX_EVENT_AGE_MS = 35 * 24 * 60 * 60 * 1000;
export const MAX_EVENT_LEAD_MS = 5 * 60 * 1000;
/**
 * Deduplication keys are kept one day longer than an event may be late: by the time a key is
 * purged, the same event sent again is too old to be accepted.
 */
export const DEDUPLICATION_WINDOW_MS = MAX_EVENT_AGE_MS + 24 * 60 * 60 * 1000;

export const TRANSACTION_ID_PATTERN = '^[\\x21-\\x7E]{1,255}$';
const TRANSACTION_ID = new RegExp(TRANSACTION_ID_PATTERN);

export function isTransactionId(value: unknown): value is string {
  return typeof value === 'string' && TRANSACTION_ID.test(value);
}

/** RFC 3339 with a time zone, as JSON senders write it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** The instant of an event's timestamp, or why it is refused, given the time it is received. */
export function checkEventTime(timestamp: unknown, receivedAtMs: number): { ok: true; at: Date } | { ok: false; reason: string } {
  if (typeof timestamp !== 'string' || !RFC3339.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    return { ok: false, reason: 'timestamp must be an RFC 3339 date-time with a time zone, like "2025-09-01T12:00:00Z"' };
  }
  const at = new Date(Date.parse(timestamp));
  if (at.getTime() < receivedAtMs - MAX_EVENT_AGE_MS) return { ok: false, reason: 'timestamp is more than 35 days old' };
  if (at.getTime() > receivedAtMs + MAX_EVENT_LEAD_MS) return { ok: false, reason: 'timestamp is more than 5 minutes ahead' };
  return { ok: true, at };
}
