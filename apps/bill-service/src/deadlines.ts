// The deadlines bill-service puts on its calls to others, in one place. The configurable ones are
// read by env.ts: each call to rates-service (`RATES_TIMEOUT`) and how long a close request waits
// for invoicing before it answers CLOSING (`BILL_CLOSE_WAIT`). The fixed ones are here.

/** Each health probe of Temporal (DescribeNamespace): short, so a stuck Temporal reads as NOT_SERVING at once. */
export const TEMPORAL_PROBE_TIMEOUT_MS = 1_500;
