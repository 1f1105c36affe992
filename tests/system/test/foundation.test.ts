import { describe, expect, inject, it } from 'vitest';
import { grpcurl } from '@billing/devstack';
import { answered, withServiceToken } from './grpcurl.ts';

const gateway = inject('gatewayUrl');
const AS_ADMIN = { authorization: `Bearer ${inject('adminApiKey')}` };

describe('the running platform', () => {
  it('is ready through the gateway once every service and dependency answers', async () => {
    const healthz = await fetch(`${gateway}/healthz`);
    expect(healthz.status).toBe(200);
    const readyz = await fetch(`${gateway}/readyz`);
    expect(readyz.status).toBe(200);
  });

  it('answers a rate as a decimal string through the gateway', async () => {
    const response = await fetch(`${gateway}/v1/rates/USD/GEL`, { headers: AS_ADMIN });
    expect(response.status).toBe(200);
    const body = await response.json() as Record<string, unknown>;
    expect(body).toMatchObject({ base: 'USD', quote: 'GEL', source: expect.any(String) });
    expect(body.rate).toMatch(/^\d+(\.\d+)?$/);
    expect(new Date(String(body.asOf)).toISOString()).toBe(body.asOf);
  });

  it('lists every rate against a base', async () => {
    const response = await fetch(`${gateway}/v1/rates?base=EUR`, { headers: AS_ADMIN });
    expect(response.status).toBe(200);
    const body = await response.json() as { base: string; rates: Record<string, string> };
    expect(body.base).toBe('EUR');
    expect(body.rates.USD).toMatch(/^\d+(\.\d+)?$/);
  });

  it('rejects a currency the rates provider does not publish with a 400 that says which', async () => {
    const response = await fetch(`${gateway}/v1/rates/USD/BOV`, { headers: AS_ADMIN });
    expect(response.status).toBe(400);
    const body = await response.json() as { code: string; message: string };
    expect(body.code).toBe('invalid_argument');
    expect(body.message).toContain('BOV');
  });

  it('echoes the caller request id', async () => {
    const response = await fetch(`${gateway}/v1/rates/USD/EUR`, { headers: { ...AS_ADMIN, 'x-request-id': 'req-system-test-1' } });
    expect(response.headers.get('x-request-id')).toBe('req-system-test-1');
  });

  it('publishes an OpenAPI 3.1 document and a docs page', async () => {
    const document = await (await fetch(`${gateway}/openapi.json`)).json() as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\.1/);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/rates', '/v1/rates/{base}/{quote}']));
    const docs = await fetch(`${gateway}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });
});

describe('grpcurl against the real servers', () => {
  it('lists the rates service by reflection and calls GetRate', async () => {
    const address = inject('ratesServiceAddress');
    expect(answered(await grpcurl(address, ['list']))).toContain('rates.v1.RatesService');
    const answer = JSON.parse(answered(await grpcurl(address, ['rates.v1.RatesService/GetRate'], {
      data: { base: 'USD', quote: 'GEL' }, headers: withServiceToken(inject('serviceToken')),
    }))) as {
      rate: { rate: string };
    };
    expect(answer.rate.rate).toMatch(/^\d+\.\d+$/);
  });

  it('lists the bill service and reports it SERVING while PostgreSQL and Temporal answer', async () => {
    const address = inject('billServiceAddress');
    const services = answered(await grpcurl(address, ['list']));
    expect(services).toContain('billing.v1.BillService');
    expect(services).toContain('grpc.health.v1.Health');
    const health = JSON.parse(answered(await grpcurl(address, ['grpc.health.v1.Health/Check']))) as { status: string };
    expect(health.status).toBe('SERVING');
  });

  it('serves the ledger by reflection: a top-up and the trial balance through grpcurl, no proto files', async () => {
    const address = inject('billServiceAddress');
    expect(answered(await grpcurl(address, ['list']))).toContain('billing.v1.LedgerService');
    const methods = answered(await grpcurl(address, ['list', 'billing.v1.LedgerService']));
    expect(methods).toContain('billing.v1.LedgerService.TopUp');
    const customerId = `grpcurl-${Date.now().toString(36)}`;
    const headers = withServiceToken(inject('serviceToken'));
    const topUp = JSON.parse(answered(await grpcurl(address, ['billing.v1.LedgerService/TopUp'], {
      data: { customerId, amount: { amount: '12.50', currency: 'EUR' }, idempotencyKey: 'grpcurl-1' }, headers,
    }))) as { entry: { type: string; postings: Array<{ accountId: string; direction: string }> } };
    expect(topUp.entry.type).toBe('ENTRY_TYPE_TOPUP');
    expect(topUp.entry.postings.map((posting) => `${posting.direction} ${posting.accountId}`))
      .toEqual(['DIRECTION_DEBIT acc_cash_EUR', `DIRECTION_CREDIT acc_wallet_EUR_${customerId}`]);
    const trial = JSON.parse(answered(await grpcurl(address, ['billing.v1.LedgerService/GetTrialBalance'], { headers }))) as {
      lines: Array<{ currency: string; debits: { amount: string }; credits: { amount: string } }>;
    };
    const eur = trial.lines.find((line) => line.currency === 'EUR');
    expect(eur?.debits.amount).toBe(eur?.credits.amount);
  });
});
