// The contract between the bill workflow (apps/worker) and its callers (bill-service, tests,
// the benchmark): names, payload shapes, the task queue and the workflow id. Messages are
// defined here, beside nothing but types, so both sides import the very same definitions.
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const BILL_TASK_QUEUE = 'billing';

/** One workflow per customer and period: starting a second one is refused by Temporal itself. */
export function billWorkflowId(customerId: string, billingPeriod: string): string {
  return `bill/${customerId}/${billingPeriod}`;
}

export type BillStatus = 'OPEN' | 'CLOSING' | 'CLOSED' | 'FAILED';

export interface MoneyView {
  /** Major units as a decimal string with the currency's decimals: "10.50". */
  amount: string;
  currency: string;
}

export interface ExchangeRateView {
  rate: string;
  source: string;
  asOf: string;
  /** The stored `exchange_rates` row the conversion used (set by bill-service). */
  rateId?: string;
}

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
  /** Continue as new after this many items in one run (besides Temporal's suggestion); tests set it low. */
  continueAsNewAfterItems?: number;
  /** Off only for Temporal's Java test server, which has no custom search attributes. */
  searchAttributes?: boolean;
  /** State carried across continue-as-new. */
  carried?: CarriedBillState;
}

export interface LineItemInput {
  idempotencyKey: string;
  description: string;
  amount?: string;
  quantity?: string;
  unitPrice?: string;
  currency?: string;
  metadata?: Record<string, string>;
  /** Filled by bill-service from the rates service for an item not in the bill's currency. */
  exchangeRate?: ExchangeRateView;
}

export interface LineItemView {
  id: string;
  idempotencyKey: string;
  description: string;
  quantity: string;
  unitPrice: MoneyView;
  amount: MoneyView;
  convertedAmount: MoneyView | null;
  exchangeRate: ExchangeRateView | null;
  metadata: Record<string, string>;
  addedAt: string;
}

export interface BillSummary {
  id: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  status: BillStatus;
  periodStart: string;
  periodEnd: string;
  itemCount: number;
  total: MoneyView;
  subtotalsByCurrency: MoneyView[];
  invoiceNumber: string | null;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface AddLineItemResult {
  bill: BillSummary;
  item: LineItemView;
  /** True when the idempotency key was seen before: the earlier item is returned, nothing changed. */
  duplicate: boolean;
}

export const addLineItemUpdate = defineUpdate<AddLineItemResult, [LineItemInput]>('addLineItem');
/**
 * Several items in one Update: bill-service coalesces concurrent adds to the same bill into one
 * message, so one workflow task and one database write serve them all (see docs/bills.md).
 * Results come back in the order of the items.
 */
export const addLineItemsUpdate = defineUpdate<AddLineItemResult[], [LineItemInput[]]>('addLineItems');
/** Fire-and-forget twin of addLineItemUpdate: invalid or late signals are logged and dropped. */
export const addLineItemSignal = defineSignal<[LineItemInput]>('addLineItemSignal');
/** Returns once the bill is CLOSED or FAILED. */
export const closeBillUpdate = defineUpdate<BillSummary, []>('closeBill');
export const billSummaryQuery = defineQuery<BillSummary>('billSummary');

/**
 * True for the error a client gets when the run it sent an Update to continued as new before
 * the outcome was read ("update … not found"): the item may or may not be stored, and sending it
 * again with the same idempotency key is safe (a stored one comes back as a duplicate).
 */
export function isUpdateLostAtRunBoundary(error: unknown): boolean {
  return error instanceof Error && error.name === 'WorkflowNotFoundError' && /update .* not found/i.test(error.message);
}

/** ApplicationFailure types the workflow's validators use; bill-service maps them to Connect codes. */
export const BILL_FAILURE_TYPES = {
  invalidArgument: 'InvalidArgument',
  failedPrecondition: 'FailedPrecondition',
} as const;

export const billSearchAttributes = {
  customerId: defineSearchAttributeKey('BillCustomerId', 'KEYWORD'),
  billingPeriod: defineSearchAttributeKey('BillPeriod', 'KEYWORD'),
  status: defineSearchAttributeKey('BillStatus', 'KEYWORD'),
  currency: defineSearchAttributeKey('BillCurrency', 'KEYWORD'),
};
