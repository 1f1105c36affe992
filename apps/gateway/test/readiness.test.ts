import { Code, ConnectError } from '@connectrpc/connect';
import { afterEach, describe, expect, it } from 'vitest';
import { ServingStatus, buildTestGateway, fakeHealth } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

describe('GET /healthz', () => {
  it('answers 200 while the process is up, whatever the services say', async () => {
    gateway = await buildTestGateway({ ratesHealth: fakeHealth(ServingStatus.NOT_SERVING) });
    const response = await gateway.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 when every service is SERVING', async () => {
    gateway = await buildTestGateway();
    const response = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', checks: { rates: 'SERVING', bills: 'SERVING' } });
  });

  it('answers 503 naming bill-service when it is NOT_SERVING (its database or Temporal is down)', async () => {
    gateway = await buildTestGateway({ billsHealth: fakeHealth(ServingStatus.NOT_SERVING) });
    const response = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { rates: 'SERVING', bills: 'NOT_SERVING' } });
  });

  it('answers 503 with UNREACHABLE for a service that cannot be reached', async () => {
    gateway = await buildTestGateway({
      ratesHealth: {
        check: () => {
          throw new ConnectError('connect ECONNREFUSED', Code.Unavailable);
        },
      },
    });
    const response = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { rates: 'UNREACHABLE', bills: 'SERVING' } });
  });

  it('gives up on a slow service after the readiness timeout, probing services in parallel', async () => {
    const slow = () => new Promise<ServingStatus>((resolve) => setTimeout(() => resolve(ServingStatus.SERVING), 2_000));
    gateway = await buildTestGateway({
      deps: { readinessTimeoutMs: 200 },
      ratesHealth: fakeHealth(slow),
      billsHealth: fakeHealth(slow),
    });
    // Start-up (compiling every route's schemas) is not part of what is timed: only the probe.
    await gateway.app.ready();
    const started = performance.now();
    const response = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    const elapsed = performance.now() - started;
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual({ rates: 'UNREACHABLE', bills: 'UNREACHABLE' });
    // Both probes time out together, not one after the other.
    expect(elapsed).toBeLessThan(1_500);
  });

  it('forwards its request id to the health checks', async () => {
    const seen: (string | null)[] = [];
    const recording = {
      check: async (_request: unknown, context: { requestHeader: Headers }) => {
        seen.push(context.requestHeader.get('x-request-id'));
        return { status: ServingStatus.SERVING };
      },
    };
    gateway = await buildTestGateway({ ratesHealth: recording, billsHealth: recording });
    await gateway.app.inject({ method: 'GET', url: '/readyz', headers: { 'x-request-id': 'probe-7' } });
    expect(seen).toEqual(['probe-7', 'probe-7']);
  });
});
