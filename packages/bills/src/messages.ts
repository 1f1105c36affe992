// The messages a bill workflow answers, defined once beside their payloads so the workflow
// (apps/worker) and its callers (bill-service, tests, the benchmark) import the very same
// definitions.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BillSummary, ExchangeRateView, LineItemView } from './views.ts';

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
