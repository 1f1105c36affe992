import { counter, type Counter } from '@billing/runtime';

/** Mandate collections, counted by the charge activity: a rate, like the bill counters (bills/bill-metrics.ts). */
export const collectionMetrics = (): Record<'collectionsSucceeded' | 'collectionsFailed', Counter> => ({
  collectionsSucceeded: counter('billing_collections_succeeded_total', 'Mandate charges the payment provider accepted.'),
  collectionsFailed: counter('billing_collections_failed_total', 'Mandate charges the payment provider declined.'),
});
