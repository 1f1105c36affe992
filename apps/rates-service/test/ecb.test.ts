import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ecbProvider, publicationTime } from '../src/providers/ecb.ts';
import { RateProviderUnavailableError, RatesNotPublishedError } from '../src/providers/port.ts';
import { createRates } from '../src/rates.ts';
import { fixture, serveEcbFixtures, startFakeProvider, xml, type FakeProvider } from './fake-provider.ts';

// The ECB cannot be reached from here: a local server plays www.ecb.europa.eu/stats/eurofxref
// with files in its documented XML format. "Today" is Friday 2026-11-20 in these tests; the
// 90-day fixture reaches back to 2026-11-10 only, the full history has gaps on purpose.
const NOW = new Date('2026-11-20T18:00:00Z');
const DAILY = fixture('ecb/eurofxref-daily.xml');

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider('/stats/eurofxref');
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.restore();
  fake.requests.length = 0;
  serveEcbFixtures(fake);
});

const provider = (timeoutMs = 2_000) => ecbProvider({ baseUrl: fake.url, timeoutMs, now: () => NOW });

async function failureOf(promise: Promise<unknown>): Promise<RateProviderUnavailableError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(RateProviderUnavailableError);
  return error as RateProviderUnavailableError;
}

describe('the ecb provider', () => {
  it('reads today\'s rates from eurofxref-daily.xml, against EUR, as published', async () => {
    const snapshot = await provider().snapshot();
    expect(fake.requests).toEqual(['/stats/eurofxref/eurofxref-daily.xml']);
    expect(snapshot.base).toBe('EUR');
    expect(snapshot.source).toBe('ecb: euro foreign exchange reference rates of 2026-11-20');
    // 16:00 CET on the reference day.
    expect(snapshot.asOf.toISOString()).toBe('2026-11-20T15:00:00.000Z');
    expect(snapshot.rates.get('USD')).toBe('1.1612');
    expect(snapshot.rates.get('GBP')).toBe('0.88120');
    expect(snapshot.rates.get('IDR')).toBe('19350.12');
    expect(snapshot.rates.size).toBe(29);
  });

  it('dates a summer day\'s rates at 16:00 CEST', () => {
    expect(publicationTime('2026-07-01').toISOString()).toBe('2026-07-01T14:00:00.000Z');
  });

  it('answers a weekend time with the Friday before, from the 90-day file', async () => {
    const snapshot = await provider().snapshot(new Date('2026-11-15T12:00:00Z'));
    expect(fake.requests).toEqual(['/stats/eurofxref/eurofxref-hist-90d.xml']);
    expect(snapshot.source).toBe('ecb: euro foreign exchange reference rates of 2026-11-13');
    expect(snapshot.asOf.toISOString()).toBe('2026-11-13T15:00:00.000Z');
    expect(snapshot.rates.get('USD')).toBe('1.1577');
  });

  it('falls back to the full history when the 90-day file does not reach the day', async () => {
    const snapshot = await provider().snapshot(new Date('2026-11-02T09:00:00Z'));
    expect(fake.requests).toEqual(['/stats/eurofxref/eurofxref-hist-90d.xml', '/stats/eurofxref/eurofxref-hist.xml']);
    // The fixture history has nothing between 2026-09-04 and 2026-11-10.
    expect(snapshot.source).toBe('ecb: euro foreign exchange reference rates of 2026-09-04');
  });

  it('reads old days from the full history, leaving out currencies that no longer exist', async () => {
    const snapshot = await provider().snapshot(new Date('2008-01-01T10:00:00Z'));
    expect(fake.requests).toEqual(['/stats/eurofxref/eurofxref-hist.xml']);
    expect(snapshot.source).toBe('ecb: euro foreign exchange reference rates of 2007-12-31');
    expect(snapshot.rates.has('CYP')).toBe(false);
    expect(snapshot.rates.has('SKK')).toBe(false);
    expect(snapshot.rates.get('BGN')).toBe('1.9558');
  });

  it('says no rates are published before its history starts, which is not an outage', async () => {
    const failure = provider().snapshot(new Date('1998-06-01T00:00:00Z'));
    await expect(failure).rejects.toBeInstanceOf(RatesNotPublishedError);
    await expect(failure).rejects.toThrow('ecb publishes no rates on or before 1998-06-01');
  });

  it('derives cross rates through EUR with exact decimals', async () => {
    const rates = createRates(provider());
    // 181.52 / 1.1612 and 0.9265 / 0.88120, 12 significant digits half-even (Python's decimal).
    expect((await rates.getRate('USD', 'JPY')).rate).toBe('156.321047193');
    expect((await rates.getRate('GBP', 'CHF')).rate).toBe('1.05140717204');
    expect((await rates.getRate('EUR', 'USD')).rate).toBe('1.1612');
  });

  it('fails on HTTP 500', async () => {
    fake.route('/eurofxref-daily.xml', { status: 500, body: '<html>Service Unavailable</html>', contentType: 'text/html' });
    expect((await failureOf(provider().snapshot())).message).toMatch(/^ecb: HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/stats\/eurofxref\/eurofxref-daily\.xml$/);
  });

  it('fails within its timeout when the server never answers', async () => {
    fake.override({ hang: true });
    const started = performance.now();
    expect((await failureOf(provider(200).snapshot())).message).toMatch(/no answer within 200 ms/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it.each([
    ['an HTML page', '<!DOCTYPE html><html><body>Page not found</body></html>', /not an ECB gesmes:Envelope/],
    ['a truncated file', DAILY.slice(0, DAILY.length / 2), /truncated/],
    ['a day that is never closed', DAILY.replace('\t\t</Cube>\n\t</Cube>', '\t</Cube>'), /day 2026-11-20 is not closed/],
    ['a negative rate', DAILY.replace("rate='1.1612'", "rate='-1.1612'"), /the rate for USD on 2026-11-20: .*not positive/],
    ['a zero rate', DAILY.replace("rate='181.52'", "rate='0'"), /the rate for JPY on 2026-11-20: .*not positive/],
    ['a rate with an exponent', DAILY.replace("rate='1.1612'", "rate='1.1612e0'"), /the rate for USD.*exponent/],
    ['a rate that is not a number', DAILY.replace("rate='1.1612'", "rate='N/A'"), /the rate for USD/],
    ['an empty rate', DAILY.replace("rate='1.1612'", "rate=''"), /the rate for USD/],
    ['an unknown element', DAILY.replace("<Cube currency='USD'", "<Rate currency='USD'"), /unexpected content in <Cube>/],
    ['text among the rates', DAILY.replace("<Cube currency='USD'", "oops <Cube currency='USD'"), /unexpected content in <Cube>/],
    ['a currency twice', DAILY.replace("currency='JPY'", "currency='USD'"), /USD appears twice on 2026-11-20/],
    ['a lower-case code', DAILY.replace("currency='USD'", "currency='usd'"), /"usd" on 2026-11-20 is not a currency code/],
    ['an impossible date', DAILY.replace("time='2026-11-20'", "time='2026-02-30'"), /"2026-02-30" is not a date/],
    ['a day without rates', DAILY.replace(/(<Cube time='2026-11-20'>)[\s\S]*?(<\/Cube>\s*<\/Cube>)/, '$1$2'), /day 2026-11-20 has no rates/],
    ['no Cube at all', DAILY.replace(/<Cube>[\s\S]*<\/Cube>/, ''), /no <Cube> element/],
  ])('refuses %s as a malformed payload, never as rates', async (_case, body, message) => {
    fake.route('/eurofxref-daily.xml', xml(body));
    const failure = await failureOf(provider().snapshot());
    expect(failure.message).toMatch(/^ecb: unusable payload: /);
    expect(failure.message).toMatch(message);
  });

  it('accepts double-quoted attributes, which XML allows', async () => {
    fake.route('/eurofxref-daily.xml', xml(DAILY.replaceAll("'", '"')));
    expect((await provider().snapshot()).rates.get('USD')).toBe('1.1612');
  });
});
