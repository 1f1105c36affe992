import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callOptionsFor, type ServiceClients } from '../clients.ts';
import { invalidArgument } from '../errors.ts';
import { CurrencyCode, RequestedCurrencyCode } from '../schemas/currency-code.ts';
import { SERVICE_FAILURES, errorResponses } from '../schemas/error-responses.ts';
import { requiredTimestamp } from '@billing/resources';
import { Rfc3339, Rfc3339Input } from '../schemas/timestamp.ts';

export interface RatesRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const DecimalRate = Type.String({ description: 'Exact positive decimal; never a JSON number', examples: ['2.7150'] });

const RateList = Type.Object(
  {
    base: CurrencyCode('The currency every rate converts from'),
    asOf: Rfc3339('When the provider published these rates'),
    source: Type.String({ description: 'The rates provider', examples: ['static'] }),
    rates: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), DecimalRate, {
      description: 'Quote currency → how many units of it one unit of base buys',
    }),
  },
  { title: 'RateList' },
);

const Rate = Type.Object(
  {
    base: CurrencyCode(),
    quote: CurrencyCode(),
    rate: { ...DecimalRate, description: '1 base = rate quote; an exact decimal string' },
    asOf: Rfc3339('When the provider published this rate'),
    source: Type.String({ description: 'The rates provider', examples: ['static'] }),
  },
  { title: 'Rate' },
);

const UNKNOWN_CURRENCY =
  '`invalid_argument`: a currency that is not a supported ISO 4217 code, a registered non-fiat unit (rates are between ' +
  'ISO 4217 currencies only), a currency the rates provider publishes no rate for, ' +
  'or an `at` that is malformed or before the provider history starts';

/** `GET /v1/rates` and `GET /v1/rates/{base}/{quote}` over rates.v1.RatesService. */
export const ratesRoutes: FastifyPluginAsyncTypebox<RatesRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  app.get(
    '/v1/rates',
    {
      schema: {
        operationId: 'listRates',
        tags: ['rates'],
        summary: 'Every rate the provider knows against one base currency',
        querystring: Type.Object({ base: Type.Optional({ ...RequestedCurrencyCode('Base currency'), default: 'USD' }) }),
        response: { 200: RateList, ...errorResponses({ 400: UNKNOWN_CURRENCY, ...SERVICE_FAILURES }) },
      },
    },
    async (request) => {
      const base = request.query.base ?? 'USD';
      const response = await clients.rates.listRates({ base }, callOptionsFor(request, callTimeoutMs));
      return {
        base: response.base,
        asOf: requiredTimestamp(response.asOf, 'asOf'),
        source: response.source,
        rates: response.rates,
      };
    },
  );

  app.get(
    '/v1/rates/:base/:quote',
    {
      schema: {
        operationId: 'getRate',
        tags: ['rates'],
        summary: 'The rate converting one unit of base into quote, now or at a past moment',
        params: Type.Object({ base: RequestedCurrencyCode('Base currency'), quote: RequestedCurrencyCode('Quote currency') }),
        querystring: Type.Object({ at: Type.Optional(Rfc3339Input('When the rate should have been in force; default now')) }),
        response: { 200: Rate, ...errorResponses({ 400: UNKNOWN_CURRENCY, ...SERVICE_FAILURES }) },
      },
    },
    async (request, reply) => {
      const { base, quote } = request.params;
      let at: Date | undefined;
      if (request.query.at !== undefined) {
        at = new Date(request.query.at);
        // The format admits a leap second (23:59:60), which Date cannot represent.
        if (Number.isNaN(at.getTime())) {
          const { body } = invalidArgument([{ field: 'at', message: 'must be a representable RFC 3339 date-time' }]);
          return reply.code(400).send(body);
        }
      }
      const response = await clients.rates.getRate(
        { base, quote, at: at && timestampFromDate(at) },
        callOptionsFor(request, callTimeoutMs),
      );
      const rate = response.rate;
      if (rate === undefined) throw new Error('rates service answered GetRate without a rate');
      return {
        base: rate.base,
        quote: rate.quote,
        rate: rate.rate,
        asOf: requiredTimestamp(rate.asOf, 'asOf'),
        source: rate.source,
      };
    },
  );
};
