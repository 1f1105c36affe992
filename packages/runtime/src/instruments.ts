import { counter, gauge, histogram } from './metrics.ts';

/**
 * The metrics every app shares, defined in one place so names, labels and buckets cannot drift
 * between the place that records a metric and the docs and alerts that query it
 * (docs/operations.md lists them). Each group is registered by the first call of its function,
 * made when the component that records it is built: an app exports only what it can move, from
 * zero at start, and a gateway never shows a bill counter stuck at 0 beside the worker's real one.
 */

/** Latency buckets in seconds: from a cached read (a few ms) to a call near the gateway's 10 s deadline. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** RED of every Connect/gRPC call a server answers, recorded by grpc-kit's server interceptor. */
export const rpcMetrics = () => ({
  requests: counter('rpc_server_requests_total', 'Calls answered, by service, method and Connect code (ok when it succeeded).',
    ['service', 'method', 'code']),
  duration: histogram('rpc_server_duration_seconds', 'Time from a call arriving to its answer (a stream: to its end), in seconds.',
    ['service', 'method', 'code'], LATENCY_BUCKETS),
});

/** RED of every HTTP request the gateway answers; `route` is the route's template, never the raw path. */
export const httpMetrics = () => ({
  requests: counter('http_server_requests_total', 'HTTP requests answered, by route template, method and status code.',
    ['route', 'method', 'status']),
  duration: histogram('http_server_duration_seconds', 'Time from a request arriving to its response being sent, in seconds.',
    ['route', 'method', 'status'], LATENCY_BUCKETS),
});

/**
 * What the business does, counted where the change is made. The worker's counters move when the
 * activity that made the change completes; Temporal retries an activity whose completion was
 * lost, so they count at least once per change (a rate, not an audit: the database is the record).
 */
export const billMetrics = () => ({
  billsOpened: counter('billing_bills_opened_total', 'Bills opened (recorded by their workflow).'),
  billsClosed: counter('billing_bills_closed_total', 'Bills closed with their final totals.'),
  billsFailed: counter('billing_bills_failed_total', 'Bills whose workflow gave up and marked them FAILED.'),
  itemsAdded: counter('billing_line_items_added_total', 'Line items stored on bills (a replayed idempotency key is not counted).'),
  invoicesIssued: counter('billing_invoices_issued_total', 'Invoice numbers given to closing bills.'),
});

/** Mandate collections, counted by the worker's charge activity: a rate, like the bill counters. */
export const collectionMetrics = () => ({
  collectionsSucceeded: counter('billing_collections_succeeded_total', 'Mandate charges the payment provider accepted.'),
  collectionsFailed: counter('billing_collections_failed_total', 'Mandate charges the payment provider declined.'),
});

/** Ledger entries, counted by bill-service once their transaction has committed: exact. */
export const ledgerMetrics = () => ({
  entriesPosted: counter('billing_ledger_entries_posted_total',
    'Ledger entries written, by entry type (a replayed idempotency key is not counted).', ['type']),
});

/**
 * Webhook delivery, recorded by the worker's dispatcher. Each attempt counts once, by what came of
 * it: `succeeded`, `retrying` (failed, another attempt is scheduled) or `failed` (failed for good).
 * The backlog is the number of pending deliveries in the whole database, refreshed by each
 * dispatcher every few seconds: every replica reports the same figure (query it with max, not sum).
 */
export const WEBHOOK_OUTCOMES = ['succeeded', 'retrying', 'failed'] as const;

export const webhookMetrics = () => {
  const deliveries = counter('billing_webhook_deliveries_total', 'Webhook delivery attempts, by outcome (succeeded, retrying, failed).', ['outcome']);
  // Every outcome starts at 0, so `increase(...{outcome="failed"}[1h])` has a series to read before the first failure.
  for (const outcome of WEBHOOK_OUTCOMES) deliveries.inc({ outcome }, 0);
  return {
    deliveries,
    backlog: gauge('billing_webhook_backlog', 'Webhook deliveries waiting to be sent or retried (the whole database, not this process).'),
  };
};
