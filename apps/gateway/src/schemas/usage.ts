import { Type } from 'typebox';
import { AGGREGATIONS, MAX_FILTER_VALUES, MAX_FILTERS, MAX_TIERS, METRIC_CODE_PATTERN, PRICE_MODELS, PROPERTY_KEY_PATTERN } from '@billing/usage';
import { CHARACTER_RULE, TEXT_VALUE_PATTERN } from '@billing/text';
import { CustomerId, FreeText, NextCursor } from './common.ts';
import { CurrencyCode, RequestedCurrencyCode } from './currency-code.ts';

// Usage-based billing: metrics, prices, usage events and usage read back (docs/usage.md).

export const MAX_EVENTS_PER_REQUEST = 1_000;

export const MetricCode = Type.String({
  pattern: METRIC_CODE_PATTERN,
  description: 'A metric\'s code: a lowercase letter, then up to 63 lowercase letters, digits, "_", "." or "-"',
  examples: ['api_calls'],
  errorMessage: 'must be a lowercase letter followed by up to 63 lowercase letters, digits, "_", "." or "-"',
});

const Aggregation = Type.Union(AGGREGATIONS.map((name) => Type.Literal(name)), {
  description: 'COUNT events; SUM, MAX or the LATEST value of `field`; or UNIQUE_COUNT the distinct values of `field`',
});

const PropertyKey = Type.String({ pattern: PROPERTY_KEY_PATTERN, description: 'An event property: 1–100 letters, digits, "_", ".", ":" or "-"' });

const MetricFilter = Type.Object({
  key: PropertyKey,
  values: Type.Array(Type.String({
    minLength: 1, maxLength: 200, pattern: TEXT_VALUE_PATTERN,
    description: `A property value: 1–200 characters, with ${CHARACTER_RULE}`,
    errorMessage: `must be 1–200 characters with ${CHARACTER_RULE}`,
  }), { minItems: 1, maxItems: MAX_FILTER_VALUES }),
}, { additionalProperties: false });

export const CreateMetricBody = Type.Object({
  code: MetricCode,
  name: FreeText('The metric\'s name', 200),
  aggregation: Aggregation,
  field: Type.Optional(PropertyKey),
  filters: Type.Optional(Type.Array(MetricFilter, {
    maxItems: MAX_FILTERS,
    description: 'An event counts only when, for every key, its property holds one of the values; a bill gets one line per combination of values',
  })),
}, { additionalProperties: false });

export const Metric = Type.Object({
  code: Type.String(),
  name: Type.String(),
  aggregation: Aggregation,
  field: Type.Union([Type.String(), Type.Null()]),
  filters: Type.Array(Type.Object({ key: Type.String(), values: Type.Array(Type.String()) })),
  version: Type.Integer({ description: 'Goes up with each change of meaning, possible only until events are sent' }),
  referencedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When events were first sent for it; from then on its aggregation, field and filters are frozen',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Metric', title: 'Metric' });

const DecimalText = (description: string) => Type.String({
  pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$', description: `${description}: a decimal string, never a JSON number`, examples: ['0.002'],
  errorMessage: 'must be a non-negative decimal string like "0.002" (not a JSON number)',
});

const PriceTier = Type.Object({
  upTo: Type.Union([DecimalText('Last unit of the tier'), Type.Null()], { description: 'null in the last tier' }),
  unitPrice: DecimalText('Price per unit in the tier, up to 10 decimals'),
  flatFee: Type.Optional(DecimalText('Added once when the tier is reached (GRADUATED) or is the one the quantity falls in (VOLUME)')),
}, { additionalProperties: false });

export const SetPriceBody = Type.Object({
  currency: RequestedCurrencyCode(),
  model: Type.Union(PRICE_MODELS.map((name) => Type.Literal(name))),
  unitPrice: Type.Optional(DecimalText('PER_UNIT: the price of one unit, up to 10 decimals')),
  tiers: Type.Optional(Type.Array(PriceTier, { minItems: 1, maxItems: MAX_TIERS })),
  packageSize: Type.Optional(DecimalText('PACKAGE: units per package')),
  packagePrice: Type.Optional(DecimalText('PACKAGE: the price of each started package')),
}, { additionalProperties: false });

export const Price = Type.Object({
  id: Type.String(),
  metricCode: Type.String(),
  customerId: Type.Union([Type.String(), Type.Null()], { description: 'null: the platform\'s default' }),
  currency: CurrencyCode(),
  model: Type.Union(PRICE_MODELS.map((name) => Type.Literal(name))),
  unitPrice: Type.Optional(Type.String()),
  tiers: Type.Optional(Type.Array(Type.Object({
    upTo: Type.Union([Type.String(), Type.Null()]), unitPrice: Type.String(), flatFee: Type.Optional(Type.String()),
  }))),
  packageSize: Type.Optional(Type.String()),
  packagePrice: Type.Optional(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Price', title: 'Price' });

export const MetricWithPrice = Type.Object({
  metric: Type.Ref('Metric'), price: Type.Union([Type.Ref('Price'), Type.Null()]),
}, { title: 'MetricWithPrice' });

export const MetricList = Type.Object({ items: Type.Array(Type.Ref('Metric')), nextCursor: NextCursor }, { title: 'MetricList' });

export const MetricParams = Type.Object({ metricCode: MetricCode });
export const CustomerPriceParams = Type.Object({ customerId: CustomerId, metricCode: MetricCode });

const PropertyValue = Type.Union([Type.String({ maxLength: 1_000 }), Type.Number()]);

export const UsageEventInput = Type.Object({
  transactionId: Type.String({ minLength: 1, maxLength: 255, description: 'Your id for the event; the same id again for the customer is a duplicate' }),
  customerId: Type.String({ maxLength: 64 }),
  metric: Type.String({ maxLength: 64 }),
  timestamp: Type.String({ maxLength: 64, description: 'RFC 3339 with a time zone; at most 35 days old and 5 minutes ahead' }),
  properties: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), PropertyValue, {
    maxProperties: 50, description: 'Numbers are read from their decimal text; send large or precise values as strings',
  })),
}, { additionalProperties: false });

export const IngestBody = Type.Object({
  events: Type.Array(UsageEventInput, { minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }),
}, { additionalProperties: false });

const CloudEvent = Type.Object({
  specversion: Type.Literal('1.0'),
  id: Type.String({ minLength: 1, maxLength: 255 }),
  source: Type.String({ minLength: 1, maxLength: 1_000 }),
  type: Type.String({ maxLength: 64, description: 'The metric\'s code' }),
  subject: Type.String({ maxLength: 64, description: 'The customer id' }),
  time: Type.String({ maxLength: 64 }),
  datacontenttype: Type.Optional(Type.String()),
  data: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), PropertyValue, { maxProperties: 50 })),
});

export const CloudEventsBatch = Type.Array(CloudEvent, {
  minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST,
  description: 'CloudEvents 1.0 in the JSON batch format: `type` is the metric, `subject` the customer, `time` the timestamp, ' +
    '`data` the properties; deduplicated on `source` + `id`',
});

export const IngestResults = Type.Object({
  results: Type.Array(Type.Object({
    transactionId: Type.String({ description: 'As sent; for a CloudEvent, its `id`' }),
    status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected')]),
    reason: Type.Optional(Type.String()),
  })),
}, { title: 'IngestResults' });

export const UsageQuery = Type.Object({
  metric: Type.Optional(MetricCode),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Start, included; default the start of the current UTC month' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End, excluded; default the start of the next UTC month' })),
});

export const UsageReport = Type.Object({
  customerId: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  items: Type.Array(Type.Object({
    metric: Type.String(),
    dimension: Type.Record(Type.String(), Type.String(), { description: 'The filter values of this line; empty without filters' }),
    quantity: Type.String(),
    eventCount: Type.Integer(),
    amount: Type.Union([Type.Ref('Money'), Type.Null()], { description: 'What it would cost now; null without a price' }),
  })),
}, { title: 'UsageReport' });
