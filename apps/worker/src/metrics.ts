// Every business counter the worker defines, one group per domain: what docs/operations.md lists
// beside the request metrics of @billing/runtime.
export { billMetrics } from './bills/bill-metrics.ts';
export { collectionMetrics } from './mandates/mandate-metrics.ts';
export { webhookMetrics } from './webhooks/webhook-metrics.ts';
