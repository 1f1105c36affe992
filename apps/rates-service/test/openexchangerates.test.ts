import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openExchangeRatesProvider } from '../src/providers/openexchangerates.ts';
import { RateProviderUnavailableError } from '../src/providers/port.ts';
import { createRates } from '../src/rates.ts';
import { fixture, json, startFakeProvider, type FakeProvider } from './fake-provider.ts';

// Open Exchange Rates cannot be reached from here: a local server plays it, with payloads in
// its documented format. "Today" is Friday 2026-11-20 in these tests.
const NOW = new Date('2026-11-20T18:00:00Z');
const APP_ID = 'oxr-secret-app-id-123';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider('/api');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.restore();
  fake.requests.length = 0;
  fake.route('/latest.json', json(fixture('openexchangerates/latest.json')));
  fake.route('/historical/2026-11-13.json', json(fixture('openexchangerates/historical-2026-11-13.json')));
});

const provider = (timeoutMs = 2_000) =>
  openExchangeRatesProvider({ appId: APP_ID, baseUrl: fake.url, timeoutMs, now: () => NOW });

async function failureOf(promise: Promise<unknown>): Promise<RateProviderUnavailableError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(RateProviderUnavailableError);
  const failure = error as RateProviderUnavailableError;
  expect(failure.message).not.toContain(APP_ID);
  return failure;
}

describe('the openexchangerates provider', () => {
  it('reads latest.json with the app id, keeping each rate exactly as published', async () => {
    const snapshot = await provider().snapshot();
    expect(fake.requests).toEqual([`/api/latest.json?app_id=${APP_ID}`]);
    expect(snapshot.base).toBe('USD');
    expect(snapshot.asOf.toISOString()).toBe('2026-11-20T16:00:00.000Z');
    expect(snapshot.source).toBe('openexchangerates: latest.json of 2026-11-20T16:00:00.000Z');
    expect(snapshot.rates.get('EUR')).toBe('0.861175');
    expect(snapshot.rates.get('GEL')).toBe('2.7055');
    expect(snapshot.rates.get('CNY')).toBe('7.098');
    expect(snapshot.rates.get('AED')).toBe('3.672538');
  });

  it('leaves out codes that are not ISO 4217 currencies (BTC, CNH, GGP, metals)', async () => {
    const snapshot = await provider().snapshot();
    for (const code of ['BTC', 'CNH', 'GGP', 'XAU', 'XAG']) expect(snapshot.rates.has(code), code).toBe(false);
  });

  it('asks historical/YYYY-MM-DD.json for an earlier day, by the UTC day of `at`', async () => {
    const snapshot = await provider().snapshot(new Date('2026-11-13T23:30:00-00:00'));
    expect(fake.requests).toEqual([`/api/historical/2026-11-13.json?app_id=${APP_ID}`]);
    expect(snapshot.asOf.toISOString()).toBe('2026-11-13T23:59:59.000Z');
    expect(snapshot.rates.get('EUR')).toBe('0.864522');
  });

  it('asks latest.json for a time on today\'s UTC day', async () => {
    await provider().snapshot(new Date('2026-11-20T01:00:00Z'));
    expect(fake.requests).toEqual([`/api/latest.json?app_id=${APP_ID}`]);
  });

  it('derives cross rates through USD with exact decimals', async () => {
    const rates = createRates(provider());
    // 2.7055 / 0.861175 to 12 significant digits, half-even (worked out with Python's decimal).
    expect((await rates.getRate('EUR', 'GEL')).rate).toBe('3.14163787848');
    expect((await rates.getRate('USD', 'GEL')).rate).toBe('2.7055');
  });

  it('writes numbers in exponent form out exactly as plain decimals', async () => {
    fake.route('/latest.json', json(fixture('openexchangerates/latest-exponent.json')));
    const snapshot = await provider().snapshot();
    expect(snapshot.rates.get('EUR')).toBe('0.861175');
    expect(snapshot.rates.get('JPY')).toBe('156.32');
    expect(snapshot.rates.get('KWD')).toBe('0.30712');
  });

  it.each([
    ['401 invalid_app_id', 'openexchangerates/error-401-invalid-app-id.json', 401, /HTTP 401 invalid_app_id from http:\/\/127\.0\.0\.1:\d+\/api\/latest\.json$/],
    ['429 access_restricted', 'openexchangerates/error-429-access-restricted.json', 429, /HTTP 429 access_restricted/],
  ])('fails on its error payload %s, without the app id in the message', async (_name, file, status, message) => {
    fake.route('/latest.json', json(fixture(file), status));
    expect((await failureOf(provider().snapshot())).message).toMatch(message);
  });

  it('fails on a historical day it has no data for', async () => {
    fake.route('/historical/1990-01-01.json', json(fixture('openexchangerates/error-400-not-available.json'), 400));
    expect((await failureOf(provider().snapshot(new Date('1990-01-01T00:00:00Z')))).message).toMatch(/HTTP 400 not_available/);
  });

  it('fails on an HTTP 500 error page', async () => {
    fake.route('/latest.json', { status: 500, body: '<html><body>Internal Server Error</body></html>', contentType: 'text/html' });
    expect((await failureOf(provider().snapshot())).message).toMatch(/HTTP 500 from/);
  });

  it('fails within its timeout when the server never answers', async () => {
    fake.override({ hang: true });
    const started = performance.now();
    const failure = await failureOf(provider(200).snapshot());
    expect(failure.message).toMatch(/no answer within 200 ms from http:\/\/127\.0\.0\.1:\d+\/api\/latest\.json$/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('fails when nothing listens at its base URL', async () => {
    const gone = await startFakeProvider('/api');
    await gone.close();
    const closed = openExchangeRatesProvider({ appId: APP_ID, baseUrl: gone.url, timeoutMs: 2_000, now: () => NOW });
    expect((await failureOf(closed.snapshot())).message).toMatch(/request failed \(ECONNREFUSED\)/);
  });

  const latest = fixture('openexchangerates/latest.json');
  it.each([
    ['an HTML page with status 200', '<!DOCTYPE html><html><body>Maintenance</body></html>', /not JSON/],
    ['truncated JSON', latest.slice(0, latest.length / 2), /not JSON/],
    ['an error payload with status 200', fixture('openexchangerates/error-401-invalid-app-id.json'), /error payload invalid_app_id/],
    ['a negative rate', latest.replace('"EUR": 0.861175', '"EUR": -0.861175'), /the rate for EUR: .*not positive/],
    ['a zero rate', latest.replace('"GEL": 2.7055', '"GEL": 0'), /the rate for GEL: .*not positive/],
    ['a rate as a string', latest.replace('"GEL": 2.7055', '"GEL": "2.7055"'), /the rate for GEL must be a JSON number/],
    ['a rate of null', latest.replace('"GEL": 2.7055', '"GEL": null'), /the rate for GEL must be a JSON number/],
    ['an absurd exponent', latest.replace('"JPY": 156.32', '"JPY": 1e-400'), /the rate for JPY: .*exponent beyond/],
    ['more decimals than a rate may have', latest.replace('"JPY": 156.32', '"JPY": 1.5e-35'), /the rate for JPY: .*at most 30/],
    ['a key that is not a code', latest.replace('"GEL": 2.7055', '"gel": 2.7055'), /"gel" is not a currency code/],
    ['no timestamp', latest.replace('"timestamp": 1795190400,', ''), /"timestamp" must be whole unix seconds/],
    ['a fractional timestamp', latest.replace('1795190400', '1795190400.5'), /"timestamp"/],
    ['an unknown base', latest.replace('"base": "USD"', '"base": "XYZ"'), /"base" must be an ISO 4217 code/],
    ['the base not at 1', latest.replace('"USD": 1', '"USD": 1.01'), /the base USD is listed at 1.01/],
    ['no rates', latest.replace(/"rates": \{[^}]*\}/, '"rates": {}'), /no ISO 4217 currency/],
    ['a JSON array', '[1, 2, 3]', /not a JSON object/],
  ])('refuses %s as a malformed payload, never as rates', async (_case, body, message) => {
    fake.route('/latest.json', json(body));
    const failure = await failureOf(provider().snapshot());
    expect(failure.message).toMatch(/^openexchangerates: unusable payload: /);
    expect(failure.message).toMatch(message);
  });
});
