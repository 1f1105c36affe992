// A resource straight from its domain view to the REST JSON, through the same two mappings a read
// takes (view → billing.v1 message in bill-service, message → JSON in the gateway). The worker
// writes these as the data of events, so an event shows a resource exactly as reading it would.
import type { BillSummary, LineItemView } from '@billing/bills';
import { UPCOMING_DEFAULT, type CollectionView, type MandateView } from '@billing/mandates';
import { billSummaryJson, lineItemJson } from './bill-json.ts';
import { billMessage, lineItemMessage } from './bill-message.ts';
import { collectionJson, mandateJson } from './mandate-json.ts';
import { collectionMessage, mandateMessage } from './mandate-message.ts';

/** A bill as a list of bills shows it; `amountDueMinor` counts only for a CLOSED bill. */
export function billResource(bill: BillSummary, amountDueMinor: bigint) {
  return billSummaryJson(billMessage(bill, [], amountDueMinor));
}

export function lineItemResource(item: LineItemView) {
  return lineItemJson(lineItemMessage(item));
}

/** A mandate as a read without `upcoming` shows it (its next UPCOMING_DEFAULT due dates). */
export function mandateResource(mandate: MandateView) {
  return mandateJson(mandateMessage(mandate, UPCOMING_DEFAULT));
}

export function collectionResource(collection: CollectionView) {
  return collectionJson(collectionMessage(collection));
}
