// @billing/bills: the bill domain shared by the workflow and bill-service, with no I/O.
export * from './messages.ts';
export {
  isValidTimeZone, parseBillingPeriod, periodBounds, periodHasEnded, startOfLocalDay,
} from './period.ts';
export type { BillingPeriod, PeriodBounds } from './period.ts';
export {
  DESCRIPTION_MAX_CHARS, IDEMPOTENCY_KEY_MAX_CHARS, METADATA_KEY_MAX_CHARS, METADATA_MAX_KEYS,
  METADATA_VALUE_MAX_CHARS, minorToDecimal, validateLineItem,
} from './line-item.ts';
export type { LineItemProblem, LineItemValidation, PricedLineItem } from './line-item.ts';
export { invoiceNumber, INVOICE_NUMBER_PATTERN } from './invoice-number.ts';
