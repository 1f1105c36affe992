import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add, codeKind, currency, currencyOrUnit, CURRENCY_CODES, DEFAULT_UNITS, Money, MoneyError, moneyFromJSON,
  parseBillCurrencies, parseMoney, parseUnitRegistry, requireBillCurrency, requireFiat,
} from '../src/index.ts';

describe('unit registry', () => {
  it('registers BTC, ETH and POINTS by default with their exponents', () => {
    expect([...DEFAULT_UNITS.units.values()]).toEqual([
      { code: 'BTC', exponent: 8 }, { code: 'ETH', exponent: 18 }, { code: 'POINTS', exponent: 0 },
    ]);
  });

  it('registers more units from configuration, with blanks around entries ignored', () => {
    const registry = parseUnitRegistry('BTC:8, ETH:18 ,POINTS:0,GOLD:3');
    expect(currencyOrUnit('GOLD', registry)).toEqual({ code: 'GOLD', exponent: 3 });
    expect(parseMoney('1.125', currencyOrUnit('GOLD', registry)).minor).toBe(1125n);
    expect(parseUnitRegistry('').units.size).toBe(0);
  });

  it.each([
    ['BTC', 'unit entry 1 ("BTC") must look like CODE:EXPONENT'],
    ['BTC:8,ETH', 'unit entry 2 ("ETH") must look like CODE:EXPONENT'],
    ['BTC:8,,ETH:18', 'unit entry 2 ("") must look like CODE:EXPONENT'],
    ['btc:8', 'unit entry 1 ("btc:8") has the code "btc"'],
    ['B:8', 'unit entry 1 ("B:8") has the code "B"'],
    ['USD:2', 'unit entry 1 ("USD:2") reuses USD, which is an ISO 4217 currency'],
    ['BTC:8,BTC:6', 'unit entry 2 ("BTC:6") registers BTC a second time'],
    ['GOLD:-1', 'unit entry 1 ("GOLD:-1") has the exponent "-1"'],
    ['GOLD:1.5', 'has the exponent "1.5"'],
    ['GOLD:08', 'has the exponent "08"'],
    ['GOLD:37', 'has the exponent "37"; it must be a whole number from 0 to 36'],
    ['GOLD:', 'has the exponent ""'],
  ])('refuses the configuration %j, naming the bad entry', (config, message) => {
    expect(() => parseUnitRegistry(config)).toThrow(message);
    expect(() => parseUnitRegistry(config)).toThrow(MoneyError);
  });

  it('tells ISO 4217 fiat from registered units and unknown codes', () => {
    expect(codeKind('USD')).toBe('iso4217');
    expect(codeKind('BTC')).toBe('unit');
    expect(codeKind('GOLD')).toBe('unknown');
    expect(codeKind('GOLD', parseUnitRegistry('GOLD:3'))).toBe('unit');
    expect(codeKind('BTC', parseUnitRegistry('GOLD:3'))).toBe('unknown');
  });

  it('keeps ISO 4217 the default: a bare unit code string is not a currency', () => {
    expect(() => parseMoney('1', 'BTC')).toThrow('"BTC" is not an active ISO 4217 currency code');
    expect(() => Money.fromMinor(1n, { code: 'BTC', exponent: 8 })).toThrow(/not an active ISO 4217/);
    expect(() => moneyFromJSON({ amount: '1', currency: 'ETH' })).toThrow(/not an active ISO 4217/);
    expect(moneyFromJSON({ amount: '1', currency: 'ETH' }, { units: DEFAULT_UNITS }).minor).toBe(10n ** 18n);
  });

  it('names the registered units when a code is neither fiat nor registered', () => {
    expect(() => currencyOrUnit('DOGE')).toThrow(
      '"DOGE" is neither an active ISO 4217 currency code nor a registered unit (registered units: BTC, ETH, POINTS)');
    expect(currencyOrUnit('USD')).toBe(currency('USD'));
  });

  it('parses strictly to the unit exponent, never rounding', () => {
    const eth = currencyOrUnit('ETH');
    expect(parseMoney('0.000000000000000001', eth).minor).toBe(1n);
    expect(() => parseMoney('0.0000000000000000001', eth)).toThrow('has 19 decimals but ETH allows 18');
    expect(() => parseMoney('1.5', currencyOrUnit('POINTS'))).toThrow('has 1 decimal but POINTS allows 0');
    expect(parseMoney('21000000', currencyOrUnit('BTC')).minor).toBe(2_100_000_000_000_000n);
    expect(Money.fromMinor(1n, currencyOrUnit('BTC')).toJSON()).toEqual({ amount: '0.00000001', currency: 'BTC' });
  });

  it('refuses to add a unit to a currency or to another unit', () => {
    const btc = parseMoney('1', currencyOrUnit('BTC'));
    expect(() => add(btc, parseMoney('1', 'USD'))).toThrow('cannot add BTC and USD');
    expect(add(btc, btc).toString()).toBe('2.00000000 BTC');
  });
});

describe('fiat only on bills and rates', () => {
  it('refuses a registered unit with a message saying it is not fiat', () => {
    expect(() => requireFiat('BTC')).toThrow(new MoneyError('not_fiat',
      'BTC is a registered non-fiat unit; bills and exchange rates accept only ISO 4217 currencies'));
    expect(requireFiat('USD')).toBe(currency('USD'));
    expect(() => requireFiat('DOGE')).toThrow(expect.objectContaining({ reason: 'unknown_currency' }));
  });

  it('accepts every active ISO 4217 code on bills by default', () => {
    expect(parseBillCurrencies(undefined).codes).toEqual(CURRENCY_CODES);
    expect(parseBillCurrencies('  ').codes).toEqual(CURRENCY_CODES);
    expect(requireBillCurrency('JPY', parseBillCurrencies(undefined))).toBe(currency('JPY'));
  });

  it('restricts bills to a configured list and names the list when refusing', () => {
    const allowed = parseBillCurrencies('USD, GEL,EUR');
    expect(allowed.codes).toEqual(['EUR', 'GEL', 'USD']);
    expect(requireBillCurrency('GEL', allowed)).toBe(currency('GEL'));
    expect(() => requireBillCurrency('JPY', allowed)).toThrow(new MoneyError('currency_not_allowed',
      'JPY is not accepted on bills here; accepted currencies: EUR, GEL, USD'));
    expect(() => requireBillCurrency('ETH', allowed)).toThrow(expect.objectContaining({ reason: 'not_fiat' }));
  });

  it.each([
    ['USD,BTC', 'bill currency entry 2 ("BTC") is BTC, a non-fiat unit'],
    ['USD,usd', 'bill currency entry 2 ("usd") is not an active ISO 4217 currency code'],
    ['USD,,EUR', 'bill currency entry 2 ("") is not an active ISO 4217 currency code'],
    ['USD,EUR,USD', 'bill currency entry 3 ("USD") lists USD a second time'],
  ])('refuses the bill currency list %j, naming the bad entry', (config, message) => {
    expect(() => parseBillCurrencies(config)).toThrow(message);
  });
});

describe('unit properties', () => {
  // Any unit the configuration can register: a code that is not ISO 4217 and an exponent 0..36.
  const unitConfigs = fc.record({
    code: fc.stringMatching(/^[A-Z][A-Z0-9]{1,11}$/).filter((code) => !CURRENCY_CODES.includes(code)),
    exponent: fc.integer({ min: 0, max: 36 }),
  });

  it('formats then parses every ETH amount back to the same wei', () => {
    const eth = currencyOrUnit('ETH');
    const limit = 10n ** 32n - 1n;
    fc.assert(fc.property(fc.bigInt({ min: -limit, max: limit }), (wei) => {
      const value = Money.fromMinor(wei, eth);
      const again = parseMoney(value.toDecimalString(), eth);
      expect(again.minor).toBe(wei);
      expect(moneyFromJSON(value.toJSON(), { units: DEFAULT_UNITS }).minor).toBe(wei);
    }), { numRuns: 1000 });
  });

  it('round-trips exactly for any registrable unit and any amount of at most 14 integer digits', () => {
    fc.assert(fc.property(unitConfigs, fc.bigInt({ min: 0n, max: 10n ** 50n }), fc.boolean(),
      ({ code, exponent }, raw, negative) => {
        const unit = currencyOrUnit(code, parseUnitRegistry(`${code}:${exponent}`));
        const magnitude = raw % 10n ** BigInt(14 + exponent);
        const minor = negative ? -magnitude : magnitude;
        const text = Money.fromMinor(minor, unit).toDecimalString();
        expect(text.split('.')[1]?.length ?? 0).toBe(exponent);
        expect(parseMoney(text, unit).minor).toBe(minor);
      }), { numRuns: 500 });
  });
});
