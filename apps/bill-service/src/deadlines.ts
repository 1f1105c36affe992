// The deadlines bill-service puts on its calls to others, in one place. The configurable ones are
// read by env.ts: each call to rates-service (`RATES_TIMEOUT`) and how long a close request waits
// for invoicing before it answers CLOSING (`BILL_CLOSE_WAIT`). The fixed ones are here.

/** Each health probe of Temporal (DescribeNamespace): short, so a stuck Temporal reads as NOT_SERVING at once. */
export const TEMPORAL_PROBE_TIMEOUT_MS = 1_500;

/**
 * How long a close request waits for invoicing: `BILL_CLOSE_WAIT`, and at most half of what is
 * left of the caller's deadline, the other half being for reading the bill and answering. A close
 * that outlasts it is answered CLOSING (202 at the gateway) before the caller gives up, instead of
 * the caller's deadline running out first (504). A call without a deadline waits `configuredMs`.
 */
export function closeWaitMs(configuredMs: number, callerRemainingMs: number | undefined): number {
  if (callerRemainingMs === undefined) return configuredMs;
  return Math.max(0, Math.min(configuredMs, Math.floor(callerRemainingMs / 2)));
}
