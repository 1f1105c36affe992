import { recordingLogger } from '@billing/grpc-kit/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cachedProvider } from '../src/providers/cached.ts';
import { ecbProvider } from '../src/providers/ecb.ts';
import { openExchangeRatesProvider } from '../src/providers/openexchangerates.ts';
import { RateProviderUnavailableError, RatesNotPublishedError } from '../src/providers/port.ts';
import { fixture, json, startFakeProvider, xml, type FakeProvider } from './fake-provider.ts';

// The cache decorator around the real ecb provider, against the local fake ECB. The cache's
// clock is driven by hand; the ECB's "today" is Friday 2026-11-20.
const TODAY = new Date('2026-11-20T18:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let fake: FakeProvider;
let clock: number;
let logger: ReturnType<typeof recordingLogger>;

beforeAll(async () => {
  fake = await startFakeProvider('/stats/eurofxref');
});
afterAll(() => fake.close());
beforeEach(() => {
  clock = TODAY.getTime();
  logger = recordingLogger();
  fake.restore();
  fake.requests.length = 0;
  for (const file of ['eurofxref-daily.xml', 'eurofxref-hist-90d.xml']) fake.route(`/${file}`, xml(fixture(`ecb/${file}`)));
});

function cachedEcb(options: { ttlMs?: number; maxStalenessMs?: number; retryAfterMs?: number; timeoutMs?: number } = {}) {
  return cachedProvider(ecbProvider({ baseUrl: fake.url, timeoutMs: options.timeoutMs ?? 2_000, now: () => TODAY }), {
    ttlMs: options.ttlMs ?? 5 * MINUTE,
    maxStalenessMs: options.maxStalenessMs ?? 24 * HOUR,
    retryAfterMs: options.retryAfterMs ?? 0,
    logger,
    now: () => clock,
  });
}

const serverError = { status: 500, body: 'Internal Server Error', contentType: 'text/plain' };

describe('the rates cache', () => {
  it('serves a snapshot younger than the TTL without asking the provider', async () => {
    const provider = cachedEcb();
    const first = await provider.snapshot();
    clock += 4 * MINUTE;
    expect(await provider.snapshot()).toBe(first);
    expect(fake.requests).toHaveLength(1);
  });

  it('asks the provider again once the TTL has passed', async () => {
    const provider = cachedEcb();
    await provider.snapshot();
    clock += 5 * MINUTE;
    await provider.snapshot();
    expect(fake.requests).toHaveLength(2);
  });

  it('caches each published day on its own: two times on one day share an entry, another day does not', async () => {
    const provider = cachedEcb();
    await provider.snapshot(new Date('2026-11-13T08:00:00Z'));
    await provider.snapshot(new Date('2026-11-13T20:00:00Z'));
    await provider.snapshot();
    expect(fake.requests).toEqual(['/stats/eurofxref/eurofxref-hist-90d.xml', '/stats/eurofxref/eurofxref-daily.xml']);
  });

  it('shares one fetch among concurrent misses for the same key', async () => {
    const provider = cachedEcb();
    const snapshots = await Promise.all(Array.from({ length: 20 }, () => provider.snapshot()));
    expect(fake.requests).toHaveLength(1);
    expect(new Set(snapshots).size).toBe(1);
  });

  it('with a TTL of 0 asks the provider every time', async () => {
    const provider = cachedEcb({ ttlMs: 0 });
    await provider.snapshot();
    await provider.snapshot();
    expect(fake.requests).toHaveLength(2);
  });

  it('serves the cached snapshot with its true as-of while the provider fails within the staleness bound, and logs why', async () => {
    const provider = cachedEcb();
    const fresh = await provider.snapshot();
    fake.override(serverError);
    clock += 23 * HOUR;
    const served = await provider.snapshot();
    expect(fake.requests).toHaveLength(2);
    expect(served.asOf.toISOString()).toBe('2026-11-20T15:00:00.000Z');
    expect(served).toEqual(fresh);
    const warning = logger.lines.find((line) => line.message === 'rates provider failed; serving cached rates');
    expect(warning?.level).toBe('warn');
    expect(warning?.fields).toMatchObject({
      provider: 'ecb',
      key: 'latest',
      servingCachedAsOf: '2026-11-20T15:00:00.000Z',
      cachedAgeMs: 23 * HOUR,
    });
    expect(String(warning?.fields.reason)).toMatch(/^ecb: HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/stats\/eurofxref\/eurofxref-daily\.xml$/);
  });

  it('is UNAVAILABLE once the cached snapshot is older than the staleness bound', async () => {
    const provider = cachedEcb();
    await provider.snapshot();
    fake.override(serverError);
    clock += 24 * HOUR + 1;
    await expect(provider.snapshot()).rejects.toBeInstanceOf(RateProviderUnavailableError);
    expect(logger.lines.map((line) => line.message)).toContain('rates provider failed; no cached rates young enough to serve');
  });

  it('is UNAVAILABLE when the provider fails and nothing was ever cached', async () => {
    fake.override(serverError);
    await expect(cachedEcb().snapshot()).rejects.toThrow(/ecb: HTTP 500/);
  });

  it('treats a timeout and a malformed payload as failures, serving the cache and never the bad data', async () => {
    const provider = cachedEcb({ ttlMs: 0, timeoutMs: 200 });
    const fresh = await provider.snapshot();
    fake.override({ hang: true });
    expect(await provider.snapshot()).toEqual(fresh);
    fake.override(xml(fixture('ecb/eurofxref-daily.xml').replace("rate='1.1612'", "rate='-1'")));
    expect((await provider.snapshot()).rates.get('USD')).toBe('1.1612');
    const reasons = logger.lines.map((line) => String(line.fields.reason));
    expect(reasons).toEqual([expect.stringMatching(/no answer within 200 ms/), expect.stringMatching(/unusable payload: the rate for USD/)]);
  });

  it('recovers by itself when the provider is back', async () => {
    const provider = cachedEcb({ ttlMs: 0, maxStalenessMs: 0 });
    fake.override(serverError);
    await expect(provider.snapshot()).rejects.toBeInstanceOf(RateProviderUnavailableError);
    fake.restore();
    expect((await provider.snapshot()).rates.get('USD')).toBe('1.1612');
  });

  it('after a failure, does not ask the provider again until the retry delay has passed', async () => {
    const provider = cachedEcb({ ttlMs: 0, retryAfterMs: 10_000 });
    const fresh = await provider.snapshot();
    fake.override(serverError);
    await provider.snapshot();
    clock += 9_000;
    expect(await provider.snapshot()).toEqual(fresh);
    expect(fake.requests).toHaveLength(2);
    fake.restore();
    clock += 1_000;
    await provider.snapshot();
    expect(fake.requests).toHaveLength(3);
  });

  it('passes on "nothing published for that time" as it is, without serving another snapshot', async () => {
    fake.route('/eurofxref-hist.xml', xml(fixture('ecb/eurofxref-hist.xml')));
    const provider = cachedEcb();
    await expect(provider.snapshot(new Date('1990-01-01T00:00:00Z'))).rejects.toBeInstanceOf(RatesNotPublishedError);
    expect(logger.lines).toEqual([]);
  });

  it('never logs the Open Exchange Rates app id', async () => {
    const oxr = await startFakeProvider('/api');
    try {
      oxr.route('/latest.json', json(fixture('openexchangerates/error-401-invalid-app-id.json'), 401));
      const provider = cachedProvider(
        openExchangeRatesProvider({ appId: 'very-secret-app-id', baseUrl: oxr.url, timeoutMs: 2_000, now: () => TODAY }),
        { ttlMs: MINUTE, maxStalenessMs: HOUR, retryAfterMs: 0, logger, now: () => clock },
      );
      await expect(provider.snapshot()).rejects.toThrow(/HTTP 401 invalid_app_id/);
      expect(oxr.requests).toEqual(['/api/latest.json?app_id=very-secret-app-id']);
      expect(logger.lines).toHaveLength(1);
      expect(JSON.stringify(logger.lines)).not.toContain('very-secret-app-id');
    } finally {
      await oxr.close();
    }
  });
});
