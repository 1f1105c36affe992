// What a bill workflow is started with, and what one run hands the next at continue-as-new.
// Only what production sends belongs here: tests reach other behaviour through the worker (see
// apps/worker/test/workflows/), never through a field of this input.
import type { BillStatus } from './views.ts';

/** What the workflow keeps between runs when it continues as new: keys, ids and totals only. */
export interface CarriedBillState {
  status: BillStatus;
  periodStart: string;
  periodEnd: string;
  /** Idempotency keys of every item accepted so far (an item's details are in PostgreSQL). */
  itemKeys: string[];
  itemCount: number;
  /** Bill-currency total, minor units. */
  totalMinor: string;
  /** Original currency → minor units. */
  subtotalsMinor: Record<string, string>;
  updatedAt: string;
}

export interface BillWorkflowInput {
  billId: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  /** ISO 8601 */
  createdAt: string;
  /** Extra time after the period's end before the bill closes itself. */
  closeGraceMs: number;
  /** State carried across continue-as-new. */
  carried?: CarriedBillState;
}
