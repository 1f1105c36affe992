import { parseRate, parseUnitRegistry, pow10 } from '@billing/money';
import { describe, expect, it } from 'vitest';
import { RateProviderUnavailableError, type RateProvider, type RateSnapshot } from './providers/port.ts';
import { loadStaticProvider } from './providers/static.ts';
import { createRates, crossRate, NonFiatUnitError, UnknownCurrencyError, UnsupportedCurrencyError } from './rates.ts';

const snapshot: RateSnapshot = {
  base: 'USD',
  asOf: new Date('2026-11-02T00:00:00Z'),
  source: 'static: test figures',
  rates: new Map([
    ['EUR', '0.8655'],
    ['GEL', '2.7150'],
    ['JPY', '153.25'],
    ['KWD', '0.30690'],
  ]),
};
const providerOf = (fixed: RateSnapshot): RateProvider => ({ name: 'static', snapshot: async () => fixed });

describe('crossRate', () => {
  it('is exactly 1 for a currency against itself', () => {
    expect(crossRate(snapshot, 'GEL', 'GEL')).toBe('1');
    expect(crossRate(snapshot, 'USD', 'USD')).toBe('1');
  });

  it('passes on the published rate unrounded when the base is the provider base', () => {
    expect(crossRate(snapshot, 'USD', 'GEL')).toBe('2.7150');
    expect(crossRate(snapshot, 'USD', 'KWD')).toBe('0.30690');
  });

  it('inverts the published rate when the quote is the provider base', () => {
    // 1 / 2.7150 = 0.36832412523020...: twelve significant digits, trailing zero dropped.
    expect(crossRate(snapshot, 'GEL', 'USD')).toBe('0.36832412523');
  });

  it('derives other pairs through the provider base', () => {
    // 2.7150 / 0.8655 = 3.13691507799...
    expect(crossRate(snapshot, 'EUR', 'GEL')).toBe('3.13691507799');
    // 0.30690 / 153.25 = 0.00200261011419...
    expect(crossRate(snapshot, 'JPY', 'KWD')).toBe('0.00200261011419');
  });

  it('refuses a currency the provider does not publish', () => {
    expect(() => crossRate(snapshot, 'USD', 'CHF')).toThrow(UnsupportedCurrencyError);
    expect(() => crossRate(snapshot, 'CHF', 'USD')).toThrow('no rate for "CHF"');
  });
});

describe('rate(a, b) × rate(b, a)', () => {
  it('is 1 within the cross-rate precision for every pair of the shipped rates', async () => {
    const shipped = await (await loadStaticProvider()).snapshot();
    const codes = [shipped.base, ...shipped.rates.keys()];
    // Each factor is off by at most half a unit in its 12th significant digit, so the product
    // is within about 1e-11 of 1; 1e-10 leaves room and still catches any real mistake.
    const tolerance = { n: 1n, d: pow10(10) };
    let pairs = 0;
    for (const a of codes) {
      for (const b of codes) {
        const forward = parseRate(crossRate(shipped, a, b));
        const backward = parseRate(crossRate(shipped, b, a));
        const scale = pow10(forward.scale + backward.scale);
        const product = forward.coefficient * backward.coefficient;
        const distance = product > scale ? product - scale : scale - product;
        expect(distance * tolerance.d <= tolerance.n * scale, `${a}/${b}`).toBe(true);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThanOrEqual(19 * 19);
  });
});

describe('createRates', () => {
  it('answers a pair with the snapshot as-of time and source', async () => {
    const rates = createRates(providerOf(snapshot));
    await expect(rates.getRate('USD', 'GEL')).resolves.toEqual({
      base: 'USD',
      quote: 'GEL',
      rate: '2.7150',
      asOf: snapshot.asOf,
      source: 'static: test figures',
    });
  });

  it('lists every published currency against the requested base, USD by default', async () => {
    const rates = createRates(providerOf(snapshot));
    const byDefault = await rates.listRates();
    expect(byDefault.base).toBe('USD');
    expect(Object.fromEntries(byDefault.rates)).toEqual({
      EUR: '0.8655', GEL: '2.7150', JPY: '153.25', KWD: '0.30690', USD: '1',
    });
    const inGel = await rates.listRates('GEL');
    expect(inGel.rates.get('GEL')).toBe('1');
    expect(inGel.rates.get('EUR')).toBe(crossRate(snapshot, 'GEL', 'EUR'));
  });

  it.each([
    ['XYZ', 'unknown currency "XYZ" in base'],
    ['usd', 'unknown currency "usd" in base (codes are upper case: "USD")'],
    ['', 'base is required'],
    ['1e3', 'unknown currency "1e3" in base'],
  ])('rejects the base %j as an unknown currency', async (base, message) => {
    const rates = createRates(providerOf(snapshot));
    const failure = rates.getRate(base, 'GEL');
    await expect(failure).rejects.toThrow(UnknownCurrencyError);
    await expect(failure).rejects.toThrow(message);
  });

  it.each([
    ['BTC', 'USD', 'BTC in base is a registered non-fiat unit; rates take ISO 4217 currencies only'],
    ['USD', 'ETH', 'ETH in quote is a registered non-fiat unit; rates take ISO 4217 currencies only'],
    ['POINTS', 'GEL', 'POINTS in base is a registered non-fiat unit; rates take ISO 4217 currencies only'],
  ])('refuses %s/%s as a non-fiat unit, not as an unknown code', async (base, quote, message) => {
    const rates = createRates(providerOf(snapshot));
    const failure = rates.getRate(base, quote);
    await expect(failure).rejects.toThrow(NonFiatUnitError);
    await expect(failure).rejects.toThrow(message);
  });

  it('refuses a registered unit as a list base', async () => {
    await expect(createRates(providerOf(snapshot)).listRates('POINTS')).rejects.toThrow(NonFiatUnitError);
  });

  it('knows the units it is given: a configured one is a unit, a default one no longer is', async () => {
    const rates = createRates(providerOf(snapshot), parseUnitRegistry('GOLD:3'));
    await expect(rates.getRate('GOLD', 'USD')).rejects.toThrow('GOLD in base is a registered non-fiat unit');
    await expect(rates.getRate('BTC', 'USD')).rejects.toThrow(UnknownCurrencyError);
  });

  it('checks currencies before asking the provider, so bad input is refused even while it is down', async () => {
    let asked = 0;
    const rates = createRates({ name: 'down', snapshot: async () => {
      asked++;
      throw new Error('ECONNREFUSED');
    } });
    await expect(rates.getRate('USD', 'ABC')).rejects.toThrow(UnknownCurrencyError);
    expect(asked).toBe(0);
  });

  it('reports any provider failure as unavailable, never as a rate', async () => {
    const rates = createRates({ name: 'flaky', snapshot: async () => {
      throw new TypeError('fetch failed');
    } });
    const failure = rates.getRate('USD', 'GEL');
    await expect(failure).rejects.toThrow(RateProviderUnavailableError);
    await expect(failure).rejects.toThrow('rates provider flaky failed: fetch failed');
  });

  it('passes the requested time to the provider', async () => {
    const asked: (Date | undefined)[] = [];
    const rates = createRates({ name: 'history', snapshot: async (at) => {
      asked.push(at);
      return snapshot;
    } });
    const at = new Date('2026-01-15T12:00:00Z');
    await rates.getRate('USD', 'EUR', at);
    expect(asked).toEqual([at]);
  });
});
