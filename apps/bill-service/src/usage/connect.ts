// billing.v1.UsageService: billable metrics and their prices (the platform's to define), usage
// events in batches (ingest.ts), and a customer's usage so far. A caller acting for a customer may
// send only that customer's events (others are rejected one by one) and read only its usage.
import { create } from '@bufbuild/protobuf';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import {
  CreateMetricResponseSchema, GetMetricResponseSchema, GetUsageResponseSchema, IngestResponseSchema, IngestStatus,
  IngestStreamResponseSchema, ListMetricsResponseSchema, SetPriceResponseSchema, UsageLineSchema, type UsageEvent, type UsageService,
} from '@billing/contracts';
import { aggregateUsage, effectivePrices, listMetrics, listMetricsPage, platformPrice, type Db } from '@billing/db';
import { decodeCursor, pageLimit, pageOf, principalOf, type ErrorMapper } from '@billing/grpc-kit';
import { createBatcher } from '@billing/runtime';
import { isCustomerId } from '@billing/text';
import { aggregationSql, canonicalQuantity, checkMetric, checkPrice, isMetricCode, priceQuantity, type PriceDefinition } from '@billing/usage';
import { invalidArgument } from '../errors.ts';
import { ingestEvents, MAX_BATCH_EVENTS, type IncomingEvent, type IngestOutcome } from './ingest.ts';
import { getMetric, MetricInUseError, putMetric, setPrice, UnknownMetricError } from './metrics-repository.ts';
import { metricMessage, priceMessage } from './usage-view.ts';

export interface UsageServiceDeps {
  db: Db;
}

/** Methods whose requests name no customer: the service checks the caller itself. */
export const USAGE_CUSTOMER_FREE = ['CreateMetric', 'ListMetrics', 'GetMetric', 'SetPrice', 'Ingest', 'IngestStream'] as const;

export const usageErrors: ErrorMapper = (error) => {
  if (error instanceof MetricInUseError) return { code: Code.FailedPrecondition, message: error.message };
  if (error instanceof UnknownMetricError) return { code: Code.NotFound, message: error.message };
  return undefined;
};

/** Events one transaction takes at most, and transactions under way at once (below the pool's size). */
const MAX_FLUSH_EVENTS = 2_000;
const INGEST_FLUSHES = 4;

const STATUSES: Record<IngestOutcome['status'], IngestStatus> = {
  accepted: IngestStatus.ACCEPTED, duplicate: IngestStatus.DUPLICATE, rejected: IngestStatus.REJECTED,
};

function platformOnly(context: HandlerContext): void {
  if (principalOf(context).customerId !== null) {
    throw new ConnectError('metrics and prices are defined by the platform; a customer key may not change them', Code.PermissionDenied);
  }
}

export function createUsageService({ db }: UsageServiceDeps): ServiceImpl<typeof UsageService> {
  // Group commit: the events of calls that arrive while a transaction is under way leave together
  // in the next one (a lone call leaves at once), so many small calls (one event per request)
  // share transactions and commits; only full batches run beside each other, up to
  // INGEST_FLUSHES. Each event is still answered on its own.
  const batcher = createBatcher<string, { event: IncomingEvent; actingFor: string | null }, IngestOutcome>(
    (key) => key,
    (_key, items) => ingestEvents(db, items.map((item) => item.event), items.map((item) => item.actingFor)),
    { maxBatch: MAX_FLUSH_EVENTS, maxInFlight: INGEST_FLUSHES, parallelOnlyWhenFull: true },
  );

  async function ingest(events: readonly UsageEvent[], context: HandlerContext) {
    const actingFor = principalOf(context).customerId;
    const outcomes = await Promise.all(events.map((event) => batcher.add('usage', {
      event: {
        transactionId: event.transactionId, customerId: event.customerId, metric: event.metric,
        timestamp: event.timestamp, properties: event.properties,
      },
      actingFor,
    })));
    return outcomes.map((outcome, index) => ({
      transactionId: (events[index] as UsageEvent).transactionId, status: STATUSES[outcome.status], reason: outcome.reason ?? '',
    }));
  }

  function checkBatch(count: number): void {
    if (count === 0 || count > MAX_BATCH_EVENTS) {
      throw invalidArgument([{ field: 'events', message: `must hold 1 to ${MAX_BATCH_EVENTS.toLocaleString('en-US')} events` }]);
    }
  }

  return {
    createMetric: async (request, context) => {
      platformOnly(context);
      const checked = checkMetric({
        code: request.code, name: request.name, aggregation: request.aggregation, field: request.field,
        filters: request.filters.map((filter) => ({ key: filter.key, values: filter.values })),
      });
      if (!checked.ok) throw invalidArgument(checked.problems);
      const { metric, created } = await putMetric(db, checked.metric);
      return create(CreateMetricResponseSchema, { metric: metricMessage(metric), created });
    },

    listMetrics: async (request) => {
      const limit = pageLimit(request.limit);
      const after = decodeCursor('metrics', request.cursor, (position) =>
        position.length === 1 && isMetricCode(position[0]) ? position[0] : undefined);
      const page = pageOf('metrics', await listMetricsPage(db, after, limit + 1), limit, (metric) => [metric.code]);
      return create(ListMetricsResponseSchema, { metrics: page.rows.map(metricMessage), nextCursor: page.nextCursor });
    },

    getMetric: async (request) => {
      const metric = isMetricCode(request.code) ? await getMetric(db, request.code) : undefined;
      if (!metric) throw new ConnectError(`metric ${request.code} is not defined`, Code.NotFound);
      const price = await platformPrice(db, metric.code);
      return create(GetMetricResponseSchema, { metric: metricMessage(metric), price: price && priceMessage(price) });
    },

    setPrice: async (request, context) => {
      platformOnly(context);
      if (request.customerId !== '' && !isCustomerId(request.customerId)) {
        throw invalidArgument([{ field: 'customerId', message: 'must be 1–64 letters, digits, ".", "_" or "-"' }]);
      }
      const checked = checkPrice({
        currency: request.currency, model: request.model, unitPrice: request.unitPrice,
        tiers: request.tiers.length === 0 ? undefined
          : request.tiers.map((tier) => ({ upTo: tier.upTo ?? null, unitPrice: tier.unitPrice, ...(tier.flatFee === undefined ? {} : { flatFee: tier.flatFee }) })),
        packageSize: request.packageSize, packagePrice: request.packagePrice,
      });
      if (!checked.ok) throw invalidArgument(checked.problems);
      const price = await setPrice(db, request.metricCode, request.customerId === '' ? null : request.customerId, checked.price);
      return create(SetPriceResponseSchema, { price: priceMessage(price) });
    },

    ingest: async (request, context) => {
      checkBatch(request.events.length);
      return create(IngestResponseSchema, { results: await ingest(request.events, context) });
    },

    ingestStream: async (requests, context) => {
      const results = [];
      for await (const request of requests) {
        checkBatch(request.events.length);
        results.push(...await ingest(request.events, context));
      }
      return create(IngestStreamResponseSchema, { results });
    },

    getUsage: async (request) => {
      if (!isCustomerId(request.customerId)) throw invalidArgument([{ field: 'customerId', message: 'must be a customer id' }]);
      if (!request.from || !request.to) throw invalidArgument([{ field: 'from', message: 'from and to are both required' }]);
      const from = timestampDate(request.from);
      const to = timestampDate(request.to);
      if (from >= to) throw invalidArgument([{ field: 'to', message: 'must be after from' }]);
      if (request.metric !== '' && !isMetricCode(request.metric)) throw new ConnectError(`metric ${request.metric} is not defined`, Code.NotFound);
      const metrics = await listMetrics(db, request.metric === '' ? undefined : [request.metric]);
      if (request.metric !== '' && metrics.length === 0) throw new ConnectError(`metric ${request.metric} is not defined`, Code.NotFound);
      const rows = await aggregateUsage(db, {
        customerId: request.customerId, from, to,
        metrics: metrics.map((metric) => ({ code: metric.code, expression: aggregationSql(metric.aggregation) })),
      });
      const prices = await effectivePrices(db, request.customerId);
      return create(GetUsageResponseSchema, {
        lines: rows.map((row) => {
          const quantity = canonicalQuantity(row.quantity);
          const price = prices.get(row.metricCode);
          const amount = price && priceQuantity(price.definition as unknown as PriceDefinition, quantity).amount;
          return create(UsageLineSchema, {
            metric: row.metricCode,
            dimension: JSON.parse(row.dimension) as Record<string, string>,
            quantity,
            eventCount: BigInt(row.eventCount),
            amount: amount && { amount: amount.toDecimalString(), currency: amount.currency.code },
            price: price && priceMessage(price),
          });
        }),
      });
    },
  };
}
