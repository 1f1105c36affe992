/**
 * Which responses an Idempotency-Key keeps. A response is recorded (and replayed for every retry
 * with the key) only when its effect is known: the write happened, or one of our services looked
 * at the request and refused it, leaving everything as it was. Any other response may follow a
 * write that did or did not happen; recording it would hand a retry a stale failure forever, so
 * the claim is released and the retry runs again. That is safe because every write below the
 * gateway is idempotent by the same key (a bill's key, an item's idempotency key).
 * docs/idempotency.md has the same rule as a table.
 */
export type Verdict = 'record' | 'release';

// Refusals a service decides after looking at the request; nothing changed, and the same
// request gets the same answer until something else changes the resource.
const DECIDED_REFUSALS: ReadonlySet<string> = new Set(['not_found', 'already_exists', 'failed_precondition']);

/** What to do with the claim once the response is known; `code` is the error body's code, if any. */
export function verdictFor(status: number, code: string | undefined): Verdict {
  if (status >= 200 && status < 300) return 'record';
  if (status >= 400 && status < 500 && code !== undefined && DECIDED_REFUSALS.has(code)) return 'record';
  // 400 invalid_argument: refused before any effect; a re-run gives the same answer at no cost.
  // 409 aborted: a conflict or a lost connection below; 429: not run; 499: the caller left mid-call;
  // any 5xx (500 internal, 503 unavailable, 504 deadline_exceeded): the effect is unknown.
  return 'release';
}

/** The `code` of one of our JSON error bodies, or undefined for anything else. */
export function errorCodeOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const code = (parsed as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
