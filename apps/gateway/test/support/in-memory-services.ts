import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createRouterTransport, type HandlerContext, type Interceptor, type ServiceImpl } from '@connectrpc/connect';
import type { InjectOptions } from 'fastify';
import { pino } from 'pino';
import {
  BillService, CustomerService, CreditNoteService, EventService, LedgerService, MandateService, PaymentSimulatorService, RateSchema, RatesService, WebhookService, health,
} from '@billing/contracts';
import { buildGateway, type GatewayDeps } from '../../src/app.ts';

export const { HealthCheckResponse_ServingStatus: ServingStatus } = health;
export type ServingStatus = health.HealthCheckResponse_ServingStatus;

export const PUBLISHED_AT = new Date('2025-09-30T00:00:00Z');

/** A rates service with three currencies and the static provider's manners. */
export function fakeRatesService(overrides: Partial<ServiceImpl<typeof RatesService>> = {}): ServiceImpl<typeof RatesService> {
  const known: Record<string, string> = { USD: '1', GEL: '2.7150', EUR: '0.9210' };
  return {
    async getRate(request) {
      for (const code of [request.base, request.quote]) if (!(code in known)) throw invalidCurrency(code);
      return {
        rate: create(RateSchema, {
          base: request.base,
          quote: request.quote,
          rate: request.base === 'USD' && request.quote === 'GEL' ? '2.7150' : '1.2345',
          asOf: timestampFromDate(PUBLISHED_AT),
          source: 'static',
        }),
      };
    },
    async listRates(request) {
      const base = request.base || 'USD';
      if (!(base in known)) throw invalidCurrency(base);
      return { base, asOf: timestampFromDate(PUBLISHED_AT), source: 'static', rates: { GEL: '2.7150', EUR: '0.9210' } };
    },
    ...overrides,
  };
}

function invalidCurrency(code: string): ConnectError {
  return new ConnectError(`unknown currency "${code}"`, Code.InvalidArgument);
}

export function fakeHealth(status: ServingStatus | (() => Promise<ServingStatus>)): Partial<ServiceImpl<typeof health.Health>> {
  return {
    async check() {
      return { status: typeof status === 'function' ? await status() : status };
    },
    async *watch() {},
  };
}

export interface TestGatewayOptions {
  rates?: Partial<ServiceImpl<typeof RatesService>>;
  ratesHealth?: Partial<ServiceImpl<typeof health.Health>>;
  billsHealth?: Partial<ServiceImpl<typeof health.Health>>;
  /** The bill service behind the bill routes; none registered when absent. */
  bills?: Partial<ServiceImpl<typeof BillService>>;
  /** Served by bill-service in production, so on its transport here. */
  mandates?: Partial<ServiceImpl<typeof MandateService>>;
  paymentSimulator?: Partial<ServiceImpl<typeof PaymentSimulatorService>>;
  ledger?: Partial<ServiceImpl<typeof LedgerService>>;
  creditNotes?: Partial<ServiceImpl<typeof CreditNoteService>>;
  events?: Partial<ServiceImpl<typeof EventService>>;
  webhooks?: Partial<ServiceImpl<typeof WebhookService>>;
  customers?: Partial<ServiceImpl<typeof CustomerService>>;
  /** Run around every bill-service call, as bill-service's server runs its own (say, its error mappers). */
  billsInterceptors?: Interceptor[];
  /** Sees the context of every rates call (its metadata). */
  onRatesCall?: (context: HandlerContext) => void;
  deps?: Partial<GatewayDeps>;
}

/** The platform key every test gateway accepts; `inject` sends it unless a test sets its own Authorization. */
export const TEST_ADMIN_KEY = 'bsk_test-admin-key-for-in-memory-gateway-tests';
export const ADMIN_AUTHORIZATION = `Bearer ${TEST_ADMIN_KEY}`;

/**
 * The gateway over in-memory Connect services; its log lines are collected in `logs`. Its
 * `inject` acts as a platform client: it sends the test admin key unless the request names an
 * `authorization` header itself (`authorization: undefined` sends none).
 */
export async function buildTestGateway(options: TestGatewayOptions = {}) {
  const rates = fakeRatesService(options.rates);
  const observed: ServiceImpl<typeof RatesService> = {
    getRate: (request, context) => {
      options.onRatesCall?.(context);
      return rates.getRate(request, context);
    },
    listRates: (request, context) => {
      options.onRatesCall?.(context);
      return rates.listRates(request, context);
    },
  };
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const app = await buildGateway({
    transports: {
      rates: createRouterTransport(({ service }) => {
        service(RatesService, observed);
        service(health.Health, options.ratesHealth ?? fakeHealth(ServingStatus.SERVING));
      }),
      bills: createRouterTransport(({ service }) => {
        service(health.Health, options.billsHealth ?? fakeHealth(ServingStatus.SERVING));
        if (options.bills) service(BillService, options.bills);
        if (options.mandates) service(MandateService, options.mandates);
        if (options.paymentSimulator) service(PaymentSimulatorService, options.paymentSimulator);
        if (options.ledger) service(LedgerService, options.ledger);
        if (options.creditNotes) service(CreditNoteService, options.creditNotes);
        if (options.events) service(EventService, options.events);
        if (options.webhooks) service(WebhookService, options.webhooks);
        if (options.customers) service(CustomerService, options.customers);
      }, { router: { interceptors: options.billsInterceptors ?? [] } }),
    },
    logger,
    access: { adminApiKey: TEST_ADMIN_KEY, defaultRateLimitPerMinute: 6_000 },
    ...options.deps,
  });
  const inject = app.inject.bind(app) as (request: InjectOptions | string) => ReturnType<typeof app.inject>;
  app.inject = ((request: InjectOptions | string) => {
    if (typeof request !== 'object') return inject(request);
    const { authorization, ...others } = request.headers ?? {};
    const chosen = request.headers !== undefined && 'authorization' in request.headers ? authorization : ADMIN_AUTHORIZATION;
    return inject({ ...request, headers: chosen === undefined ? others : { ...others, authorization: chosen } });
  }) as typeof app.inject;
  return { app, logs };
}
