import { describe, expect, it } from 'vitest';
import { readEnv } from './env.ts';
import { CURRENCY_CODES } from '@billing/money';
import { billCurrencyVariables, databaseVariables, logLevel, temporalVariables, unitVariables } from './variables.ts';

describe('shared variables', () => {
  it('defaults LOG_LEVEL to info and accepts silent', () => {
    expect(readEnv({ LOG_LEVEL: logLevel() }, {})).toEqual({ LOG_LEVEL: 'info' });
    expect(readEnv({ LOG_LEVEL: logLevel() }, { LOG_LEVEL: 'silent' })).toEqual({ LOG_LEVEL: 'silent' });
  });

  it.each(['0', '65535', '101'])('refuses a pool of %s connections', (size) => {
    expect(() => readEnv(databaseVariables(), { DATABASE_URL: 'postgres://db/billing', DATABASE_POOL_MAX: size }))
      .toThrow(`DATABASE_POOL_MAX must be between 1 and 100, got ${size}`);
  });

  it('requires DATABASE_URL and defaults the pool to 10', () => {
    expect(() => readEnv(databaseVariables(), {})).toThrow('DATABASE_URL is required');
    expect(readEnv(databaseVariables(), { DATABASE_URL: 'postgres://db/billing' }).DATABASE_POOL_MAX).toBe(10);
  });

  it('takes the task queue default from the caller', () => {
    expect(readEnv(temporalVariables('bills-queue'), {})).toEqual({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'bills-queue',
    });
  });

  it('registers BTC, ETH and POINTS when LEDGER_UNITS is unset, and the configured units otherwise', () => {
    const defaults = readEnv(unitVariables(), {}).LEDGER_UNITS;
    expect([...defaults.units.values()]).toEqual([
      { code: 'BTC', exponent: 8 }, { code: 'ETH', exponent: 18 }, { code: 'POINTS', exponent: 0 },
    ]);
    const configured = readEnv(unitVariables(), { LEDGER_UNITS: 'GOLD:3, MILES:0' }).LEDGER_UNITS;
    expect([...configured.units.keys()]).toEqual(['GOLD', 'MILES']);
  });

  it.each([
    ['BTC:99', 'LEDGER_UNITS: unit entry 1 ("BTC:99") has the exponent "99"'],
    ['BTC', 'LEDGER_UNITS: unit entry 1 ("BTC") must look like CODE:EXPONENT'],
    ['BTC:8,USD:2', 'LEDGER_UNITS: unit entry 2 ("USD:2") reuses USD, which is an ISO 4217 currency'],
    ['btc:8', 'LEDGER_UNITS: unit entry 1 ("btc:8") has the code "btc"'],
  ])('refuses LEDGER_UNITS=%s naming the variable and the entry', (value, problem) => {
    expect(() => readEnv(unitVariables(), { LEDGER_UNITS: value })).toThrow(problem);
  });

  it('accepts every active ISO 4217 code on bills when BILL_CURRENCIES is unset', () => {
    expect(readEnv(billCurrencyVariables(), {}).BILL_CURRENCIES.codes).toEqual(CURRENCY_CODES);
  });

  it('restricts bills to the BILL_CURRENCIES listed', () => {
    expect(readEnv(billCurrencyVariables(), { BILL_CURRENCIES: 'USD, EUR' }).BILL_CURRENCIES.codes).toEqual(['EUR', 'USD']);
  });

  it.each([
    ['USD,XYZ', 'BILL_CURRENCIES: bill currency entry 2 ("XYZ") is not an active ISO 4217 currency code'],
    ['USD,USD', 'BILL_CURRENCIES: bill currency entry 2 ("USD") lists USD a second time'],
    ['USD,POINTS', 'BILL_CURRENCIES: bill currency entry 2 ("POINTS") is POINTS, a non-fiat unit'],
  ])('refuses BILL_CURRENCIES=%s naming the variable and the entry', (value, problem) => {
    expect(() => readEnv(billCurrencyVariables(), { BILL_CURRENCIES: value })).toThrow(problem);
  });

  it('judges BILL_CURRENCIES against the units LEDGER_UNITS registers', () => {
    expect(() => readEnv(billCurrencyVariables(), { LEDGER_UNITS: 'GOLD:3', BILL_CURRENCIES: 'USD,GOLD' }))
      .toThrow('BILL_CURRENCIES: bill currency entry 2 ("GOLD") is GOLD, a non-fiat unit');
  });

  it('reports a bad LEDGER_UNITS and a bad BILL_CURRENCIES together', () => {
    expect(() => readEnv(billCurrencyVariables(), { LEDGER_UNITS: 'BTC:x', BILL_CURRENCIES: 'EURO' }))
      .toThrow(expect.objectContaining({
        problems: [expect.stringMatching(/^LEDGER_UNITS: /), expect.stringMatching(/^BILL_CURRENCIES: /)],
      }));
  });
});
