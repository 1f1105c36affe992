// The one mapping of stored metrics and prices to their billing.v1 messages.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { MetricSchema, PriceSchema, type Metric, type Price } from '@billing/contracts';
import type { StoredMetric, StoredPrice } from '@billing/db';
import type { PriceDefinition } from '@billing/usage';

export function metricMessage(metric: StoredMetric): Metric {
  return create(MetricSchema, {
    code: metric.code,
    name: metric.name,
    aggregation: metric.aggregation,
    field: metric.field ?? '',
    filters: metric.filters.map((filter) => ({ key: filter.key, values: filter.values })),
    version: metric.version,
    referencedAt: metric.referencedAt === null ? undefined : timestampFromDate(metric.referencedAt),
    createdAt: timestampFromDate(metric.createdAt),
    updatedAt: timestampFromDate(metric.updatedAt),
  });
}

export function priceMessage(price: StoredPrice): Price {
  const definition = price.definition as unknown as PriceDefinition;
  return create(PriceSchema, {
    id: price.id,
    metricCode: price.metricCode,
    customerId: price.customerId ?? '',
    currency: price.currency,
    model: price.model,
    unitPrice: definition.unitPrice ?? '',
    tiers: (definition.tiers ?? []).map((tier) => ({ upTo: tier.upTo ?? undefined, unitPrice: tier.unitPrice, flatFee: tier.flatFee })),
    packageSize: definition.packageSize ?? '',
    packagePrice: definition.packagePrice ?? '',
    updatedAt: timestampFromDate(price.updatedAt),
  });
}
