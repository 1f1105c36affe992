import { EnvError } from '@billing/runtime';
import { DEFAULT_RETRY_SCHEDULE_MS } from '@billing/webhooks';
import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from '../src/env.ts';

const required = { DATABASE_URL: 'postgres://localhost/billing', BILLING_SERVICE_TOKEN: 'worker-env-test-token-0123456789abcdef' };

function problems(source: Record<string, string>): string[] {
  try {
    readWorkerEnv({ ...required, ...source });
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('worker environment: webhooks', () => {
  it('delivers only to public https addresses, within 10 s, on the documented schedule, unless told otherwise', () => {
    const env = readWorkerEnv(required);
    expect(env).toMatchObject({ WEBHOOK_ALLOW_PRIVATE_URLS: false, WEBHOOK_TIMEOUT: 10_000, WEBHOOK_CONCURRENCY: 256, WEBHOOK_POLL_INTERVAL: 30_000 });
    expect(env.WEBHOOK_RETRY_SCHEDULE).toEqual(DEFAULT_RETRY_SCHEDULE_MS);
  });

  it('keeps a retry schedule in the order given, repeats included', () => {
    const env = readWorkerEnv({ ...required, WEBHOOK_RETRY_SCHEDULE: '2s, 500ms,2s', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    expect(env.WEBHOOK_RETRY_SCHEDULE).toEqual([2_000, 500, 2_000]);
    expect(env.WEBHOOK_ALLOW_PRIVATE_URLS).toBe(true);
  });

  it('refuses bad values, naming the variable', () => {
    expect(problems({ WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' })).toEqual(['WEBHOOK_ALLOW_PRIVATE_URLS: must be true or false, got "yes"']);
    expect(problems({ WEBHOOK_RETRY_SCHEDULE: '5s,,1m' })[0]).toMatch(/^WEBHOOK_RETRY_SCHEDULE must be a duration/);
    expect(problems({ WEBHOOK_RETRY_SCHEDULE: '2d' })[0]).toMatch(/^WEBHOOK_RETRY_SCHEDULE must be between 1ms and 1d/);
    expect(problems({ WEBHOOK_TIMEOUT: '0s' })[0]).toMatch(/^WEBHOOK_TIMEOUT must be between/);
    expect(problems({ WEBHOOK_CONCURRENCY: '0' })[0]).toMatch(/^WEBHOOK_CONCURRENCY must be between 1 and 1000/);
  });
});

describe('worker environment: the seller on invoices', () => {
  it('builds the seller from SELLER_* and refuses a bad country, e-invoicing address, logo or payment terms by name', async () => {
    const { sellerIdentity } = await import('@billing/documents/seller');
    const seller = sellerIdentity(readWorkerEnv({
      ...required, SELLER_LEGAL_NAME: '  Exemple SAS ', SELLER_COUNTRY: 'FR', SELLER_ELECTRONIC_ADDRESS: '9957:FR12345678901', SELLER_PAYMENT_TERMS_DAYS: '14',
    }));
    expect(seller).toMatchObject({ legalName: 'Exemple SAS', address: { country: 'FR' }, electronicAddress: '9957:FR12345678901', paymentTermsDays: 14 });
    const refused = problems({
      SELLER_COUNTRY: 'France', SELLER_ELECTRONIC_ADDRESS: 'FR12345678901', SELLER_LOGO_PATH: '/etc/hostname', SELLER_PAYMENT_TERMS_DAYS: '400',
      SELLER_LEGAL_NAME: 'bad\u0007name',
    });
    for (const name of ['SELLER_COUNTRY', 'SELLER_ELECTRONIC_ADDRESS', 'SELLER_LOGO_PATH', 'SELLER_PAYMENT_TERMS_DAYS', 'SELLER_LEGAL_NAME']) {
      expect(refused.some((problem) => problem.includes(name))).toBe(true);
    }
  });
});
