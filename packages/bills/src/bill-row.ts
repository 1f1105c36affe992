// A `bills` read-model row and the one mapping of it to the summary callers see. bill-service reads
// bills through it, and the worker builds the data of `bill.*` events with it, so both show a
// stored bill the same way.
import { moneyView } from './money-view.ts';
import type { BillStatus, BillSummary } from './views.ts';

/** A `bills` row as PostgreSQL returns it (numeric columns come back as strings). */
export interface BillRow {
  id: string;
  customer_id: string;
  billing_period: string;
  currency: string;
  time_zone: string;
  status: BillStatus;
  period_start: Date;
  period_end: Date;
  item_count: number;
  total_minor: string;
  subtotals: Record<string, string>;
  invoice_number: string | null;
  failure_reason: string | null;
  workflow_id: string;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

/** A stored bill as the workflow would describe it; subtotals in currency-code order, as it sorts them. */
export function billSummaryOfRow(row: BillRow): BillSummary {
  return {
    id: row.id,
    customerId: row.customer_id,
    billingPeriod: row.billing_period,
    currency: row.currency,
    timeZone: row.time_zone,
    status: row.status,
    periodStart: row.period_start.toISOString(),
    periodEnd: row.period_end.toISOString(),
    itemCount: row.item_count,
    total: moneyView(row.total_minor, row.currency),
    subtotalsByCurrency: Object.entries(row.subtotals)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, minor]) => moneyView(minor, code)),
    invoiceNumber: row.invoice_number,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}
