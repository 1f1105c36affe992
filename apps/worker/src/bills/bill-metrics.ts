import { counter, type Counter } from '@billing/runtime';

type BillCounter = 'billsOpened' | 'billsClosed' | 'billsFailed' | 'itemsAdded' | 'invoicesIssued';

/**
 * What the bill workflows do, counted by the activity that made the change when it completes.
 * Temporal retries an activity whose completion was lost, so these count at least once per change:
 * a rate, not an audit (the database is the record). docs/operations.md lists them.
 */
export const billMetrics = (): Record<BillCounter, Counter> => ({
  billsOpened: counter('billing_bills_opened_total', 'Bills opened (their row written, by bill-service or by their workflow).'),
  billsClosed: counter('billing_bills_closed_total', 'Bills closed with their final totals.'),
  billsFailed: counter('billing_bills_failed_total', 'Bills whose workflow gave up and marked them FAILED.'),
  itemsAdded: counter('billing_line_items_added_total', 'Line items stored on bills (a replayed idempotency key is not counted).'),
  invoicesIssued: counter('billing_invoices_issued_total', 'Invoice numbers given to closing bills.'),
});
