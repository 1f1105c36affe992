import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { BillService, RatesService } from '@billing/contracts';
import { createDb } from '@billing/db';
import { requestIdOf, serverInterceptor } from '@billing/grpc-kit';
import { failureOf, recordingLogger } from '@billing/grpc-kit/testing';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseErrors } from '../database-errors.ts';
import { BILL_SERVICE_ERRORS } from './bill-errors.ts';
import { exchangeRates } from './exchange-rates.ts';

// A rates failure is answered before anything is written, so this pool is never used: knex
// connects on first use, and nothing listens at its address.
const db = createDb({ url: 'postgres://billing@127.0.0.1:1/unused', applicationName: 'exchange-rates-test' });
afterAll(() => db.destroy());

/** AddLineItem on an in-memory BillService that converts EUR→USD through a rates-service failing with `failure`. */
function billServiceWithRates(failure: ConnectError) {
  const forwardedIds: Array<string | null> = [];
  const ratesClient = createClient(RatesService, createRouterTransport((router) => router.service(RatesService, {
    getRate(_request, context) {
      forwardedIds.push(context.requestHeader.get(REQUEST_ID_HEADER));
      throw failure;
    },
  })));
  const rates = exchangeRates(db, ratesClient);
  const logger = recordingLogger();
  const transport = createRouterTransport(
    (router) => router.service(BillService, {
      async addLineItem(_request, context) {
        await rates.rateFor('EUR', 'USD', requestIdOf(context));
        return {};
      },
    }),
    { router: { interceptors: [serverInterceptor({ logger, errorMappers: [...BILL_SERVICE_ERRORS, databaseErrors] })] } },
  );
  const addItem = () => createClient(BillService, transport).addLineItem({}, { headers: { [REQUEST_ID_HEADER]: 'req_fx_1' } });
  return { addItem, logger, forwardedIds };
}

describe('exchange rates from rates-service', () => {
  it('answers unavailable when rates-service fails, and logs why with the request id', async () => {
    const { addItem, logger, forwardedIds } = billServiceWithRates(
      new ConnectError('provider: connect ECONNREFUSED 10.0.0.9:443', Code.Unavailable),
    );
    const error = await failureOf(addItem());
    expect(error.code).toBe(Code.Unavailable);
    expect(error.rawMessage).toBe('exchange rates are unavailable; items in the bill currency still work');
    expect(forwardedIds).toEqual(['req_fx_1']);
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.fields).toMatchObject({ requestId: 'req_fx_1', code: 'unavailable' });
    expect(JSON.stringify(warning?.fields)).toContain('ECONNREFUSED 10.0.0.9:443');
  });

  it('logs the cause when rates-service does not answer in time, too', async () => {
    const { addItem, logger } = billServiceWithRates(new ConnectError('the operation timed out', Code.DeadlineExceeded));
    expect((await failureOf(addItem())).code).toBe(Code.Unavailable);
    expect(JSON.stringify(logger.lines.find((line) => line.level === 'warn')?.fields)).toContain('the operation timed out');
  });

  it('answers invalid_argument naming the currency field when rates-service refuses the currency', async () => {
    const { addItem, logger } = billServiceWithRates(new ConnectError('unknown currency "EUR" in base', Code.InvalidArgument));
    const error = await failureOf(addItem());
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('currency: unknown currency "EUR" in base');
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });
});
