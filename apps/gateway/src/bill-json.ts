import { BillStatus, type Bill, type LineItem } from '@billing/contracts';
import { billSummaryJson, lineItemJson, serviceBug } from '@billing/resources';
import { enumValue } from './proto-json.ts';
import { pageJson } from './page-json.ts';

// billing.v1 bills → the JSON of the public REST contract (served as /openapi.json). A bill and
// a line item are mapped in @billing/resources, the same mapping the data of `bill.*` events is
// built with; the pages and filters of the bill routes are here.

export type BillStatusName = Exclude<keyof typeof BillStatus, 'UNSPECIFIED'>;

/** The status a client names in a list filter, as billing.v1 spells it; none means any. */
export function billStatusValue(name: BillStatusName | undefined): BillStatus {
  return enumValue(BillStatus, name);
}

/** A page of a bill's items. */
export function lineItemPageJson(page: { items: LineItem[]; nextCursor?: string }) {
  return pageJson(page.items.map(lineItemJson), page.nextCursor);
}

/** A page of a customer's bills, without their items. */
export function billPageJson(page: { bills: Bill[]; nextCursor?: string }) {
  return pageJson(page.bills.map(billSummaryJson), page.nextCursor);
}

/** A bill a service must always send; its absence is the service's bug, not the client's. */
export function requiredBill(bill: Bill | undefined): Bill {
  if (bill === undefined) throw serviceBug('bill');
  return bill;
}
