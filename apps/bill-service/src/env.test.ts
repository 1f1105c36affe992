import { CURRENCY_CODES, DEFAULT_UNITS } from '@billing/money';
import { EnvError } from '@billing/runtime';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

const REQUIRED = { DATABASE_URL: 'postgres://db/billing', BILLING_SERVICE_TOKEN: 'a-service-credential-of-32-characters' };

describe('bill-service environment: units and bill currencies', () => {
  it('registers BTC, ETH and POINTS and accepts every active ISO 4217 code on bills by default', () => {
    const env = loadEnv(REQUIRED);
    expect([...env.LEDGER_UNITS.units.keys()]).toEqual([...DEFAULT_UNITS.units.keys()]);
    expect(env.BILL_CURRENCIES.codes).toEqual(CURRENCY_CODES);
  });

  it('serves metrics on 9465 unless METRICS_PORT says otherwise, and refuses a METRICS_PORT that is no port', () => {
    expect(loadEnv(REQUIRED).METRICS_PORT).toBe(9465);
    expect(loadEnv({ ...REQUIRED, METRICS_PORT: '19465' }).METRICS_PORT).toBe(19465);
    expect(() => loadEnv({ ...REQUIRED, METRICS_PORT: '70000' })).toThrow('METRICS_PORT must be between 0 and 65535, got 70000');
  });

  it('takes a BILL_CURRENCIES list', () => {
    expect(loadEnv({ ...REQUIRED, BILL_CURRENCIES: 'USD,EUR' }).BILL_CURRENCIES.codes).toEqual(['EUR', 'USD']);
  });

  it('refuses to start on a bad LEDGER_UNITS or BILL_CURRENCIES entry, naming each variable', () => {
    const read = () => loadEnv({ ...REQUIRED, LEDGER_UNITS: 'BTC:8,ETH:40', BILL_CURRENCIES: 'USD,ETH,XYZ' });
    expect(read).toThrow(EnvError);
    try {
      read();
    } catch (error) {
      expect((error as EnvError).problems).toEqual([
        'LEDGER_UNITS: unit entry 2 ("ETH:40") has the exponent "40"; it must be a whole number from 0 to 36',
        'BILL_CURRENCIES: bill currency entry 2 ("ETH") is ETH, a non-fiat unit; bills accept only ISO 4217 currencies',
      ]);
    }
  });

  it.each([
    ['USD,XYZ', 'BILL_CURRENCIES: bill currency entry 2 ("XYZ") is not an active ISO 4217 currency code'],
    ['USD,USD', 'BILL_CURRENCIES: bill currency entry 2 ("USD") lists USD a second time'],
    ['USD,POINTS', 'BILL_CURRENCIES: bill currency entry 2 ("POINTS") is POINTS, a non-fiat unit'],
  ])('refuses BILL_CURRENCIES=%s naming the variable and the entry', (value, problem) => {
    expect(() => loadEnv({ ...REQUIRED, BILL_CURRENCIES: value })).toThrow(problem);
  });

  it('judges BILL_CURRENCIES against the units LEDGER_UNITS registers', () => {
    expect(() => loadEnv({ ...REQUIRED, LEDGER_UNITS: 'GOLD:3', BILL_CURRENCIES: 'USD,GOLD' }))
      .toThrow('BILL_CURRENCIES: bill currency entry 2 ("GOLD") is GOLD, a non-fiat unit');
  });

  it('refuses private webhook URLs unless WEBHOOK_ALLOW_PRIVATE_URLS is true, and takes nothing but true or false', () => {
    expect(loadEnv(REQUIRED).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(loadEnv({ ...REQUIRED, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(true);
    expect(loadEnv({ ...REQUIRED, WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }).WEBHOOK_ALLOW_PRIVATE_URLS).toBe(false);
    expect(() => loadEnv({ ...REQUIRED, WEBHOOK_ALLOW_PRIVATE_URLS: 'yes' })).toThrow('WEBHOOK_ALLOW_PRIVATE_URLS: must be true or false, got "yes"');
  });
});
