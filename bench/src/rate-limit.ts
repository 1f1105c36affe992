// What API keys cost per request: the same GET /v1/rates through an in-process gateway (Fastify's
// inject, no network, an in-memory rates service) with a platform key checked and rate-limited in
// PostgreSQL, and with the same gateway minus the rate limit, measured alternately in one run. The
// difference is the token-bucket statement; the key lookup itself is cached, so it shows only on a
// cache miss (API_KEY_CACHE_TTL). Raw figures go to bench/results/rate-limit-*.json.
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { createRouterTransport } from '@connectrpc/connect';
import { RatesService, health } from '@billing/contracts';
import { createDb, migrateLatest } from '@billing/db';
import { startPostgres } from '@billing/devstack';
import { pino } from 'pino';
import { buildGateway } from '@billing/gateway';
import { beginRun, saveResult } from './results.ts';

const REQUESTS = 3_000;
const CONCURRENCY = 8;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export async function runRateLimitBenchmark(): Promise<void> {
  const run = beginRun();
  const postgres = await startPostgres({ temporary: true });
  await migrateLatest(postgres.url);
  const db = createDb({ url: postgres.url, poolMax: 10 });
  const transports = {
    rates: createRouterTransport(({ service }) => {
      service(RatesService, {
        getRate: (request) => ({ rate: { base: request.base, quote: request.quote, rate: '2.7150', source: 'bench', asOf: timestampFromDate(new Date()) } }),
        listRates: (request) => ({ base: request.base || 'USD', source: 'bench', rates: { GEL: '2.7150' } }),
      });
    }),
    bills: createRouterTransport(({ service }) => service(health.Health, { check: () => ({ status: 1 }), async *watch() {} })),
  };
  const adminApiKey = 'bsk_bench-admin-key-0123456789abcdefghijklmnopq';
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' });
  // Limited: keys in PostgreSQL, every request takes a token. Unlimited: the admin key only, no buckets.
  const limited = await buildGateway({ transports, logger, access: { db, adminApiKey, defaultRateLimitPerMinute: 1_000_000 } });
  const unlimited = await buildGateway({ transports, logger, access: { adminApiKey, defaultRateLimitPerMinute: 1_000_000 } });
  const created = await limited.inject({
    method: 'POST', url: '/v1/api-keys', headers: { authorization: `Bearer ${adminApiKey}` }, payload: { name: 'bench', rateLimitPerMinute: 1_000_000 },
  });
  const issued = `Bearer ${(created.json() as { key: string }).key}`;

  async function measure(app: typeof limited, authorization: string) {
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next += 1;
        const begun = performance.now();
        const answer = await app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { authorization } });
        if (answer.statusCode !== 200) throw new Error(`bench request answered ${answer.statusCode}: ${answer.body}`);
        latencies.push(performance.now() - begun);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { requests: REQUESTS, perSecond: REQUESTS / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  }

  try {
    await measure(limited, issued);
    await measure(unlimited, `Bearer ${adminApiKey}`);
    const rounds: Array<{ limited: Awaited<ReturnType<typeof measure>>; unlimited: Awaited<ReturnType<typeof measure>> }> = [];
    for (let round = 0; round < 3; round += 1) {
      rounds.push({ limited: await measure(limited, issued), unlimited: await measure(unlimited, `Bearer ${adminApiKey}`) });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1] as number;
    const figures = {
      concurrency: CONCURRENCY,
      rounds,
      limitedP50Ms: median(rounds.map((r) => r.limited.p50Ms)),
      unlimitedP50Ms: median(rounds.map((r) => r.unlimited.p50Ms)),
      limitedPerSecond: median(rounds.map((r) => r.limited.perSecond)),
      unlimitedPerSecond: median(rounds.map((r) => r.unlimited.perSecond)),
    };
    console.log(`GET /v1/rates/USD/GEL, ${REQUESTS} requests x 3 rounds, ${CONCURRENCY} at a time (medians of the rounds)`);
    console.log(`  with key + PostgreSQL token bucket: p50 ${figures.limitedP50Ms.toFixed(2)} ms, ${figures.limitedPerSecond.toFixed(0)} req/s`);
    console.log(`  admin key, no rate limit:            p50 ${figures.unlimitedP50Ms.toFixed(2)} ms, ${figures.unlimitedPerSecond.toFixed(0)} req/s`);
    console.log(`  cost per request: +${(figures.limitedP50Ms - figures.unlimitedP50Ms).toFixed(2)} ms at p50; ` +
      `throughput ratio ${(figures.limitedPerSecond / figures.unlimitedPerSecond).toFixed(2)}`);
    await saveResult('rate-limit', run, figures);
  } finally {
    await limited.close();
    await unlimited.close();
    await db.destroy();
    await postgres.stop();
  }
}
