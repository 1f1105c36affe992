import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStaticProvider, parseRatesFile, RatesFileError } from './static.ts';

describe('the shipped rates file', () => {
  it('loads, says where its figures come from, and covers the currencies the product names', async () => {
    const provider = await loadStaticProvider();
    const snapshot = await provider.snapshot();
    expect(provider.name).toBe('static');
    expect(snapshot.base).toBe('USD');
    expect(snapshot.asOf.toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(snapshot.source).toMatch(/^static: illustrative rates shipped with the project, as of 2026-11-02/);
    const required = ['USD', 'EUR', 'GBP', 'GEL', 'JPY', 'CHF', 'CAD', 'AUD', 'KWD', 'BHD', 'SEK', 'NOK', 'PLN',
      'CZK', 'TRY', 'INR', 'CNY', 'BRL', 'MXN'];
    for (const code of required) expect(snapshot.rates.has(code), code).toBe(true);
    expect(snapshot.rates.get('GEL')).toBe('2.7150');
  });

  it('answers every requested time with its one snapshot', async () => {
    const provider = await loadStaticProvider();
    const now = await provider.snapshot();
    const longAgo = await provider.snapshot(new Date('2020-01-01T00:00:00Z'));
    expect(longAgo).toEqual(now);
  });
});

describe('a rates file given by RATES_STATIC_FILE', () => {
  it('is read from the path given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rates-'));
    const file = join(dir, 'rates.json');
    await writeFile(file, JSON.stringify({ base: 'EUR', asOf: '2026-01-05T16:00:00Z', source: 'static: ECB copy', rates: { USD: '1.0321' } }));
    const snapshot = await (await loadStaticProvider(file)).snapshot();
    expect(snapshot.base).toBe('EUR');
    expect(snapshot.rates.get('USD')).toBe('1.0321');
  });

  it('must exist', async () => {
    await expect(loadStaticProvider('/nonexistent/rates.json')).rejects.toThrow(/cannot read rates file \/nonexistent\/rates.json/);
  });

  const valid = { base: 'USD', asOf: '2026-11-02T00:00:00Z', source: 'static: test', rates: { EUR: '0.8655' } };
  it.each([
    ['not JSON', '{', /not JSON/],
    ['a rate as a JSON number', JSON.stringify({ ...valid, rates: { EUR: 0.8655 } }), /rate for EUR must be a decimal string/],
    ['a rate in exponent form', JSON.stringify({ ...valid, rates: { EUR: '8.655e-1' } }), /rate for EUR/],
    ['a zero rate', JSON.stringify({ ...valid, rates: { EUR: '0' } }), /rate for EUR.*not positive/],
    ['a negative rate', JSON.stringify({ ...valid, rates: { EUR: '-1.2' } }), /rate for EUR/],
    ['an unknown currency', JSON.stringify({ ...valid, rates: { XYZ: '1.5' } }), /"XYZ" is not an ISO 4217/],
    ['a bad base', JSON.stringify({ ...valid, base: 'usd' }), /"base" must be an ISO 4217 code/],
    ['a date-only asOf', JSON.stringify({ ...valid, asOf: '2026-11-02' }), /"asOf" must be an RFC 3339 time/],
    ['no source', JSON.stringify({ ...valid, source: ' ' }), /"source" must say where/],
    ['no rates', JSON.stringify({ ...valid, rates: {} }), /"rates" is empty/],
    ['the base not at 1', JSON.stringify({ ...valid, rates: { USD: '1.1' } }), /base USD must be listed at "1"/],
  ])('is refused with a clear message when it has %s', (_case, text, message) => {
    expect(() => parseRatesFile(text, 'test.json')).toThrow(RatesFileError);
    expect(() => parseRatesFile(text, 'test.json')).toThrow(message);
  });
});
