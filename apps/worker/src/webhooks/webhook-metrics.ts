import { counter, gauge, type Counter, type Gauge } from '@billing/runtime';

/**
 * Webhook delivery, recorded by the dispatcher. Each attempt counts once, by what came of it:
 * `succeeded`, `retrying` (failed, another attempt is scheduled) or `failed` (failed for good).
 * The backlog is the number of pending deliveries in the whole database, refreshed by each
 * dispatcher every few seconds: every replica reports the same figure (query it with max, not sum).
 */
export const WEBHOOK_OUTCOMES = ['succeeded', 'retrying', 'failed'] as const;

export const webhookMetrics = (): { deliveries: Counter<'outcome'>; backlog: Gauge } => {
  const deliveries = counter('billing_webhook_deliveries_total', 'Webhook delivery attempts, by outcome (succeeded, retrying, failed).', ['outcome']);
  // Every outcome starts at 0, so `increase(...{outcome="failed"}[1h])` has a series to read before the first failure.
  for (const outcome of WEBHOOK_OUTCOMES) deliveries.inc({ outcome }, 0);
  return {
    deliveries,
    backlog: gauge('billing_webhook_backlog', 'Webhook deliveries waiting to be sent or retried (the whole database, not this process).'),
  };
};
