import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { health as healthProto } from '@billing/contracts';
import { describe, expect, it } from 'vitest';
import { healthService, type HealthOptions } from './health.ts';
import { recordingLogger } from './testing/recording-logger.ts';

const { Health, HealthCheckResponse_ServingStatus: Status } = healthProto;

function clientFor(options: HealthOptions) {
  const health = healthService(options);
  const transport = createRouterTransport((router) => router.service(health.service, health.impl));
  return { health, client: createClient(Health, transport) };
}

describe('grpc.health.v1 Check', () => {
  it('answers SERVING for the server and each of its services while every check passes', async () => {
    const { client } = clientFor({
      services: ['rates.v1.RatesService'],
      checks: { sync: () => true, async: async () => 'fine' },
    });
    expect((await client.check({ service: '' })).status).toBe(Status.SERVING);
    expect((await client.check({ service: 'rates.v1.RatesService' })).status).toBe(Status.SERVING);
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('connection refused'))],
    ['throws', () => {
      throw new Error('boom');
    }],
    ['returns false', () => false],
    ['never answers', () => new Promise(() => {})],
  ])('answers NOT_SERVING when a check %s', async (_name, failing) => {
    const logger = recordingLogger();
    const { client } = clientFor({
      services: ['billing.v1.BillService'],
      checks: { postgres: () => true, temporal: failing },
      checkTimeoutMs: 50,
      logger,
    });
    expect((await client.check({ service: 'billing.v1.BillService' })).status).toBe(Status.NOT_SERVING);
    expect((await client.check({ service: '' })).status).toBe(Status.NOT_SERVING);
    const warning = logger.lines.find((line) => line.level === 'warn');
    expect(warning?.fields.failing).toEqual([{ check: 'temporal', reason: expect.any(String) }]);
  });

  it('follows a dependency that recovers without being restarted', async () => {
    let databaseUp = false;
    const { client } = clientFor({ services: ['x.v1.X'], checks: { postgres: () => databaseUp } });
    expect((await client.check({ service: '' })).status).toBe(Status.NOT_SERVING);
    databaseUp = true;
    expect((await client.check({ service: '' })).status).toBe(Status.SERVING);
  });

  it('fails with NOT_FOUND for a service the server does not serve', async () => {
    const { client } = clientFor({ services: ['rates.v1.RatesService'] });
    const error = await client.check({ service: 'nope.v1.Nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it('answers NOT_SERVING once drained, even with healthy dependencies', async () => {
    const { client, health } = clientFor({ services: ['rates.v1.RatesService'], checks: { ok: () => true } });
    health.drain();
    expect((await client.check({ service: 'rates.v1.RatesService' })).status).toBe(Status.NOT_SERVING);
  });
});

describe('grpc.health.v1 Watch and List', () => {
  it('streams the current status and then each change', async () => {
    let up = true;
    const { client } = clientFor({ services: ['x.v1.X'], checks: { dep: () => up }, watchIntervalMs: 5 });
    const abort = new AbortController();
    const seen: number[] = [];
    for await (const update of client.watch({ service: 'x.v1.X' }, { signal: abort.signal })) {
      seen.push(update.status);
      if (seen.length === 1) up = false;
      if (seen.length === 2) up = true;
      if (seen.length === 3) break;
    }
    abort.abort();
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING]);
  });

  it('reports SERVICE_UNKNOWN on Watch for an unknown service instead of failing', async () => {
    const { client } = clientFor({ services: ['x.v1.X'], watchIntervalMs: 5 });
    for await (const update of client.watch({ service: 'other.v1.Other' })) {
      expect(update.status).toBe(Status.SERVICE_UNKNOWN);
      break;
    }
  });

  it('tells watchers NOT_SERVING and ends their streams when drained', async () => {
    const { client, health } = clientFor({ services: ['x.v1.X'], watchIntervalMs: 60_000 });
    const seen: number[] = [];
    for await (const update of client.watch({ service: '' })) {
      seen.push(update.status);
      if (seen.length === 1) health.drain();
    }
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
  });

  it('lists the server and every service with their status', async () => {
    const { client } = clientFor({ services: ['a.v1.A', 'b.v1.B'], checks: { dep: () => true } });
    const { statuses } = await client.list({});
    expect(Object.keys(statuses).sort()).toEqual(['', 'a.v1.A', 'b.v1.B']);
    expect(Object.values(statuses).every((entry) => entry.status === Status.SERVING)).toBe(true);
  });
});
