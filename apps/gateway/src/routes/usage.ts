import { createHash } from 'node:crypto';
import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { create } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { IngestStatus, UsageEventSchema, type Metric, type Price, type UsageEvent } from '@billing/contracts';
import { serviceBug } from '@billing/resources';
import { bodyTypeRefusal, CLOUDEVENTS_BATCH, unsupported } from '../body-types.ts';
import { invalidArgument } from '../errors.ts';
import { pageJson } from '../page-json.ts';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { usageIngester } from '../usage-ingest.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { BillKeyParams } from '../schemas/bill.ts';
import { CustomerParams, PageQuery } from '../schemas/common.ts';
import { BODY_FAILURES, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';
import {
  CloudEventsBatch, CreateMetricBody, CustomerPriceParams, IngestBody, IngestResults, MetricList, MetricParams, MetricWithPrice,
  SetPriceBody, UsageQuery, UsageReport,
} from '../schemas/usage.ts';

export interface UsageRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

/** 1,000 events with their properties fit easily; a larger body is a 413 before anything is parsed. */
const INGEST_BODY_LIMIT = 4 * 1024 * 1024;
const BAD_INPUT = '`invalid_argument`: a field or parameter is malformed; the message and details name it';
const METRIC = { $ref: 'Metric' } as const;
const PRICE = { $ref: 'Price' } as const;
const STATUS_NAMES: Record<IngestStatus, 'accepted' | 'duplicate' | 'rejected'> = {
  [IngestStatus.UNSPECIFIED]: 'rejected', [IngestStatus.ACCEPTED]: 'accepted', [IngestStatus.DUPLICATE]: 'duplicate', [IngestStatus.REJECTED]: 'rejected',
};

function metricJson(metric: Metric | undefined) {
  if (metric === undefined) throw serviceBug('metric');
  return {
    code: metric.code, name: metric.name, aggregation: metric.aggregation as 'COUNT', field: metric.field === '' ? null : metric.field,
    filters: metric.filters.map((filter) => ({ key: filter.key, values: filter.values })), version: metric.version,
    referencedAt: metric.referencedAt ? timestampDate(metric.referencedAt).toISOString() : null,
    createdAt: timestampDate(metric.createdAt ?? timestampFromDate(new Date(0))).toISOString(),
    updatedAt: timestampDate(metric.updatedAt ?? timestampFromDate(new Date(0))).toISOString(),
  };
}

function priceJson(price: Price | undefined) {
  if (price === undefined) throw serviceBug('price');
  return {
    id: price.id, metricCode: price.metricCode, customerId: price.customerId === '' ? null : price.customerId,
    currency: price.currency, model: price.model as 'PER_UNIT',
    ...(price.unitPrice === '' ? {} : { unitPrice: price.unitPrice }),
    ...(price.tiers.length === 0 ? {} : {
      tiers: price.tiers.map((tier) => ({ upTo: tier.upTo ?? null, unitPrice: tier.unitPrice, ...(tier.flatFee === undefined ? {} : { flatFee: tier.flatFee }) })),
    }),
    ...(price.packageSize === '' ? {} : { packageSize: price.packageSize, packagePrice: price.packagePrice }),
    updatedAt: timestampDate(price.updatedAt ?? timestampFromDate(new Date(0))).toISOString(),
  };
}

/** Property values as text: a JSON number is read from the shortest text that reproduces it. */
function propertiesText(properties: Record<string, string | number> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(properties ?? {}).map(([key, value]) => [key, String(value)]));
}

/** A CloudEvent's deduplication key: its source and id, hashed to fit a transaction id. */
function cloudEventKey(source: string, id: string): string {
  return `ce_${createHash('sha256').update(JSON.stringify([source, id])).digest('hex')}`;
}

const monthStart = (at: Date, offset: number) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));

/** Metrics, prices, usage events and usage read back, over billing.v1.UsageService. */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const usage = clients.usage;
  const ingest = usageIngester(usage, callTimeoutMs);

  // The idempotency plugin parses it (keeping the raw text) when installed.
  if (!app.hasContentTypeParser(CLOUDEVENTS_BATCH)) {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser(CLOUDEVENTS_BATCH, { parseAs: 'string' }, (request, body, done) => {
      const refusal = bodyTypeRefusal(request, CLOUDEVENTS_BATCH);
      if (refusal) done(refusal, undefined);
      else parseJson(request, body as string, done);
    });
  }

  app.post('/v1/metrics', {
    schema: {
      operationId: 'createMetric',
      tags: ['usage'],
      summary: 'Define a billable metric (or rename one)',
      description: 'Sending the same definition again changes nothing (200). Its aggregation, field and filters may change ' +
        'only until events are sent for it; after that such a change is a 409 `failed_precondition` (define a new code instead).',
      headers: IdempotencyHeaders,
      body: CreateMetricBody,
      response: {
        200: METRIC, 201: METRIC,
        ...errorResponses({ 400: BAD_INPUT, ...idempotencyFailures('`failed_precondition`: the metric has events and its meaning cannot change'), ...BODY_FAILURES, ...SERVICE_FAILURES }),
      },
    },
  }, async (request, reply) => {
    const { code, name, aggregation, field, filters } = request.body;
    const response = await usage.createMetric({ code, name, aggregation, field: field ?? '', filters: filters ?? [] }, options(request));
    return reply.code(response.created ? 201 : 200).send(metricJson(response.metric));
  });

  app.get('/v1/metrics', {
    schema: {
      operationId: 'listMetrics', tags: ['usage'], summary: 'The billable metrics, by code, a page at a time',
      querystring: PageQuery,
      response: { 200: MetricList, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await usage.listMetrics({ limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '' }, options(request));
    return pageJson(response.metrics.map(metricJson), response.nextCursor);
  });

  app.get('/v1/metrics/:metricCode', {
    schema: {
      operationId: 'getMetric', tags: ['usage'], summary: 'A billable metric and its platform price',
      params: MetricParams,
      response: { 200: MetricWithPrice, ...errorResponses({ 400: BAD_INPUT, 404: '`not_found`: no such metric', ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await usage.getMetric({ code: request.params.metricCode }, options(request));
    return { metric: metricJson(response.metric), price: response.price ? priceJson(response.price) : null };
  });

  const setPrice = async (request: CallingRequest & { body: Static<typeof SetPriceBody> }, metricCode: string, customerId: string) => {
    const { currency, model, unitPrice, tiers, packageSize, packagePrice } = request.body;
    const response = await usage.setPrice({
      metricCode, customerId, currency, model, unitPrice, packageSize, packagePrice,
      tiers: (tiers ?? []).map((tier) => ({ upTo: tier.upTo ?? undefined, unitPrice: tier.unitPrice, flatFee: tier.flatFee })),
    }, options(request));
    return priceJson(response.price);
  };
  const PRICE_DESCRIPTION = 'Replaces the previous price. Every figure is a decimal string; the amount of a quantity is computed ' +
    'exactly and rounded once, half-even, to the currency\'s minor unit. A bill in another currency than the price gets the ' +
    'usage line at zero with the reason in its metadata (docs/usage.md).';
  const priceResponses = {
    200: PRICE, ...errorResponses({ 400: BAD_INPUT, 404: '`not_found`: no such metric', ...BODY_FAILURES, ...SERVICE_FAILURES }),
  };

  app.put('/v1/metrics/:metricCode/price', {
    schema: {
      operationId: 'setMetricPrice', tags: ['usage'], summary: 'Set the platform\'s default price of a metric', description: PRICE_DESCRIPTION,
      params: MetricParams, body: SetPriceBody, response: priceResponses,
    },
  }, async (request) => setPrice(request, request.params.metricCode, ''));

  app.put('/v1/customers/:customerId/prices/:metricCode', {
    schema: {
      operationId: 'setCustomerPrice', tags: ['usage'], summary: 'Set one customer\'s price of a metric, over the platform\'s', description: PRICE_DESCRIPTION,
      params: CustomerPriceParams, body: SetPriceBody, response: priceResponses,
    },
  }, async (request) => setPrice(request, request.params.metricCode, request.params.customerId));

  app.post('/v1/usage-events', {
    bodyLimit: INGEST_BODY_LIMIT,
    // Besides Idempotency-Key, every event carries its own deduplication key: a batch sent again
    // without the header gets `duplicate` for what was stored.
    schema: {
      operationId: 'ingestUsageEvents',
      tags: ['usage'],
      summary: 'Send 1 to 1,000 usage events',
      description: 'Each event is answered on its own, in the order sent: `accepted`, `duplicate` (its transactionId was already ' +
        'stored for that customer: success, nothing stored twice) or `rejected` with the reason (an unknown metric, another ' +
        'customer than the key\'s, a missing or non-numeric field, a timestamp more than 35 days old or 5 minutes ahead, or in the ' +
        'period of a bill already closed). A body that is not a batch of events at all is a 400 and stores nothing. ' +
        `Also takes \`${CLOUDEVENTS_BATCH}\` (see the schema of that content type).`,
      headers: IdempotencyHeaders,
      body: { content: { 'application/json': { schema: IngestBody }, [CLOUDEVENTS_BATCH]: { schema: CloudEventsBatch } } },
      response: {
        200: IngestResults,
        ...errorResponses({ 400: BAD_INPUT, ...idempotencyFailures(), 413: '`invalid_argument`: the body is larger than 4 MiB', 415: BODY_FAILURES[415], ...SERVICE_FAILURES }),
      },
    },
  }, async (request, reply) => {
    // A body is validated by the schema of its content type; a request with no body has none, and
    // one of a type the route does not name (text/plain, which Fastify reads as a string) is a 415.
    if (typeof request.body === 'string') throw unsupported(String(request.headers['content-type']));
    if (request.body === undefined || request.body === null) {
      const refusal = invalidArgument([{ field: 'body', message: `is required: {"events": [...]} as application/json, or a ${CLOUDEVENTS_BATCH} array` }]);
      return reply.code(refusal.status).send(refusal.body);
    }
    const body = request.body as Static<typeof IngestBody> | Static<typeof CloudEventsBatch>;
    const events: UsageEvent[] = Array.isArray(body)
      ? body.map((event) => create(UsageEventSchema, {
        transactionId: cloudEventKey(event.source, event.id), customerId: event.subject, metric: event.type, timestamp: event.time,
        properties: propertiesText(event.data),
      }))
      : body.events.map((event) => create(UsageEventSchema, {
        transactionId: event.transactionId, customerId: event.customerId, metric: event.metric, timestamp: event.timestamp,
        properties: propertiesText(event.properties),
      }));
    // A few events share an Ingest call with other requests of the same caller (usage-ingest.ts).
    const results = await ingest(events, request, () => request.socket.destroyed);
    return {
      results: results.map((result, index) => ({
        transactionId: Array.isArray(body) ? (body[index]?.id ?? '') : result.transactionId,
        status: STATUS_NAMES[result.status],
        ...(result.reason === '' ? {} : { reason: result.reason }),
      })),
    };
  });

  async function report(request: CallingRequest, customerId: string, metric: string | undefined, from: Date, to: Date) {
    const response = await usage.getUsage({
      customerId, metric: metric ?? '', from: timestampFromDate(from), to: timestampFromDate(to),
    }, options(request));
    return {
      customerId, from: from.toISOString(), to: to.toISOString(),
      items: response.lines.map((line) => ({
        metric: line.metric, dimension: { ...line.dimension }, quantity: line.quantity, eventCount: Number(line.eventCount),
        amount: line.amount ? { amount: line.amount.amount, currency: line.amount.currency } : null,
      })),
    };
  }

  app.get('/v1/customers/:customerId/usage', {
    schema: {
      operationId: 'getCustomerUsage', tags: ['usage'],
      summary: 'A customer\'s usage in [from, to): quantity per metric and filter value, and what it would cost now',
      params: CustomerParams, querystring: UsageQuery,
      response: { 200: UsageReport, ...errorResponses({ 400: BAD_INPUT, 404: '`not_found`: no such metric', ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const at = new Date();
    const from = request.query.from === undefined ? monthStart(at, 0) : new Date(request.query.from);
    const to = request.query.to === undefined ? monthStart(at, 1) : new Date(request.query.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      throw new ConnectError('from and to must be RFC 3339 date-times', Code.InvalidArgument);
    }
    return report(request, request.params.customerId, request.query.metric, from, to);
  });

  app.get('/v1/customers/:customerId/bills/:billingPeriod/usage', {
    schema: {
      operationId: 'getBillUsage', tags: ['usage'],
      summary: 'The usage in a bill\'s period so far, as it would be billed if the bill closed now',
      description: 'Before the bill closes; once it is closed its usage lines are among its items.',
      params: BillKeyParams,
      response: { 200: UsageReport, ...errorResponses({ 400: BAD_INPUT, 404: '`not_found`: no such bill', ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const bill = (await clients.bills.getBill(request.params, options(request))).bill;
    if (!bill?.periodStart || !bill.periodEnd) throw serviceBug('bill');
    return report(request, request.params.customerId, undefined, timestampDate(bill.periodStart), timestampDate(bill.periodEnd));
  });
};
