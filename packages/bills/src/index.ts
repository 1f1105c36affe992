// @billing/bills: the bill domain shared by the workflow and bill-service, with no I/O.
export * from './messages.ts';
export {
  isValidTimeZone, parseBillingPeriod, periodBounds, periodHasEnded, startOfLocalDay,
} from './period.ts';
export type { BillingPeriod, PeriodBounds } from './period.ts';
export {
  checkLineItemShape, DESCRIPTION_MAX_CHARS, IDEMPOTENCY_KEY_MAX_CHARS, METADATA_KEY_MAX_CHARS, METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_CHARS,
} from './line-item-shape.ts';
export type { CheckedLineItem, LineItemProblem, LineItemShapeCheck } from './line-item-shape.ts';
export { priceLineItem, validateLineItem } from './line-item-pricing.ts';
export type { LineItemPricing, PricedLineItem } from './line-item-pricing.ts';
export { minorToDecimal, moneyView } from './money-view.ts';
export { lineItemView } from './line-item-view.ts';
export type { StoredLineItemFields } from './line-item-view.ts';
export { invoiceNumber, INVOICE_NUMBER_PATTERN } from './invoice-number.ts';
