// @billing/bills: the bill domain shared by the workflow and bill-service, with no I/O.
export { BILL_TASK_QUEUE, billWorkflowId } from './workflow-ids.ts';
export type { BillWorkflowInput, CarriedBillState } from './workflow-input.ts';
export {
  addLineItemSignal, addLineItemsUpdate, addLineItemUpdate, billSummaryQuery, closeBillUpdate,
} from './messages.ts';
export type { AddLineItemResult, LineItemInput } from './messages.ts';
export type { BillStatus, BillSummary, ExchangeRateView, LineItemView, MoneyView } from './views.ts';
export {
  billPeriodNumber, billSearchAttributes, openingSearchAttributes, searchableMinor, statusSearchAttributes,
  totalsSearchAttributes,
} from './search-attributes.ts';
export { BILL_FAILURE_TYPES } from './failures.ts';
export { parseBillingPeriod, periodBounds, periodHasEnded } from './period.ts';
export { isValidTimeZone } from '@billing/calendar';
export type { BillingPeriod, PeriodBounds } from './period.ts';
export {
  checkLineItemShape, DESCRIPTION_MAX_CHARS, IDEMPOTENCY_KEY_MAX_CHARS, METADATA_KEY_MAX_CHARS, METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_CHARS,
} from './line-item-shape.ts';
export type { CheckedLineItem, LineItemCheckOptions, LineItemProblem, LineItemShapeCheck } from './line-item-shape.ts';
export { priceLineItem, validateLineItem } from './line-item-pricing.ts';
export type { LineItemPricing, PricedLineItem } from './line-item-pricing.ts';
export { minorToDecimal, moneyView } from './money-view.ts';
export { lineItemId } from './line-item-id.ts';
export { lineItemView } from './line-item-view.ts';
export type { StoredLineItemFields } from './line-item-view.ts';
export { invoiceNumber, INVOICE_NUMBER_PATTERN } from './invoice-number.ts';
export { billSummaryOfRow, type BillRow } from './bill-row.ts';
