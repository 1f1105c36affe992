// @billing/usage: billable metrics, their aggregations and prices; pure, no I/O.
export {
  AGGREGATIONS, checkMetric, isMetricCode, DECIMAL_TEXT, describeDimension, dimensionOf, isAggregation, MAX_FILTER_VALUES, MAX_FILTERS,
  MAX_TEXT_VALUE_CHARS, METRIC_CODE_PATTERN, PROPERTY_KEY_PATTERN, readEvent, sameMeaning, VALUE_MAX_INTEGER_DIGITS, VALUE_MAX_SCALE,
} from './metric.ts';
export type { Aggregation, EventReading, FieldProblem, MetricDefinition, MetricFilter, MetricInput } from './metric.ts';
export { aggregate, aggregationSql, canonicalQuantity } from './aggregate.ts';
export type { Aggregate, StoredReading } from './aggregate.ts';
export { checkPrice, MAX_TIERS, PRICE_MODELS, priceQuantity } from './price.ts';
export type { PriceDefinition, PricedQuantity, PriceModel } from './price.ts';
export {
  checkEventTime, DEDUPLICATION_WINDOW_MS, isTransactionId, MAX_EVENT_AGE_MS, MAX_EVENT_LEAD_MS, TRANSACTION_ID_PATTERN,
} from './event.ts';
