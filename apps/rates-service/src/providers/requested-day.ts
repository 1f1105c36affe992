/**
 * Both network providers publish one set of rates per day, so a requested time comes down to a
 * UTC calendar day. A time on today's UTC day (or later: nobody publishes tomorrow's rates)
 * asks for the latest rates; an earlier one asks for that day's history.
 */
export type RequestedDay = { readonly kind: 'latest' } | { readonly kind: 'day'; readonly day: string };

export function requestedDay(at: Date | undefined, now: Date = new Date()): RequestedDay {
  if (at === undefined) return { kind: 'latest' };
  const day = utcDay(at);
  return day >= utcDay(now) ? { kind: 'latest' } : { kind: 'day', day };
}

/** The cache key of a requested day: "latest" or "YYYY-MM-DD". */
export function requestedDayKey(requested: RequestedDay): string {
  return requested.kind === 'latest' ? 'latest' : requested.day;
}

/** "YYYY-MM-DD" of a time in UTC. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Whole days from `earlier` to `later`, both "YYYY-MM-DD". */
export function daysBetween(earlier: string, later: string): number {
  return Math.round((Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / 86_400_000);
}
