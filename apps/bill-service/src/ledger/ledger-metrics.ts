import { counter, type Counter } from '@billing/runtime';

/**
 * Ledger entries, counted by bill-service once their transaction has committed: exact (a
 * replayed key wrote nothing and is not counted). docs/operations.md lists it with the alerts.
 */
export const ledgerMetrics = (): { entriesPosted: Counter<'type'> } => ({
  entriesPosted: counter('billing_ledger_entries_posted_total',
    'Ledger entries written, by entry type (a replayed idempotency key is not counted).', ['type']),
});
