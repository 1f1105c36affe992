import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateProvider, startRatesServer } from '@billing/rates-service';
import { buildGateway, type Gateway } from '../src/app.ts';
import { connectToServices, type GrpcConnections } from '../src/clients.ts';

// The real gateway, listening on a port, in front of the real rates-service over gRPC on
// loopback; calls go out as real HTTP.

interface LoggedCall {
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger() {
  const lines: LoggedCall[] = [];
  const record = (fields: Record<string, unknown>, message: string) => lines.push({ fields, message });
  return { lines, info: record, warn: record, error: record };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const ratesLog = recordingLogger();
const provider = await createRateProvider({ provider: 'static' });
const SERVICE_TOKEN = 'real-network-test-service-credential-0123';
const ADMIN_KEY = 'bsk_real-network-test-admin-key-0123456789';
const startRates = (port: number) => startRatesServer({ provider, logger: ratesLog, port, host: '127.0.0.1', serviceCredential: SERVICE_TOKEN });

const AS_ADMIN = { headers: { authorization: `Bearer ${ADMIN_KEY}` } };

let rates: Awaited<ReturnType<typeof startRates>>;
let connections: GrpcConnections;
let gateway: Gateway;
let baseUrl: string;

beforeAll(async () => {
  rates = await startRates(0);
  // No bill-service runs here: its port is closed, so readiness must say so.
  connections = connectToServices({ rates: `http://127.0.0.1:${rates.port}`, bills: `http://127.0.0.1:${await closedPort()}` }, SERVICE_TOKEN);
  gateway = await buildGateway({
    transports: connections.transports, logger: pino({ level: 'silent' }), readinessTimeoutMs: 1_000,
    access: { adminApiKey: ADMIN_KEY, defaultRateLimitPerMinute: 6_000 },
  });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await gateway.close();
  connections.close();
  await rates.close();
});

const DECIMAL = /^\d+(\.\d+)?$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('rates through the real gateway and rates-service', () => {
  it('answers GET /v1/rates/USD/GEL with a decimal-string rate', async () => {
    const response = await fetch(`${baseUrl}/v1/rates/USD/GEL`, AS_ADMIN);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ base: 'USD', quote: 'GEL', source: expect.stringMatching(/^static/) });
    expect(body.rate).toMatch(DECIMAL);
    expect(body.asOf).toMatch(RFC3339_UTC);
  });

  it('answers GET /v1/rates with every rate as a decimal string, agreeing with the single rate', async () => {
    const [list, single] = await Promise.all([fetch(`${baseUrl}/v1/rates?base=USD`, AS_ADMIN), fetch(`${baseUrl}/v1/rates/USD/GEL`, AS_ADMIN)]);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { base: string; rates: Record<string, string> };
    expect(body.base).toBe('USD');
    expect(Object.keys(body.rates).length).toBeGreaterThan(1);
    for (const rate of Object.values(body.rates)) expect(rate).toMatch(DECIMAL);
    expect(body.rates.GEL).toBe(((await single.json()) as { rate: string }).rate);
  });

  it('answers a currency the rates provider does not publish with 400 and the rates service message', async () => {
    const response = await fetch(`${baseUrl}/v1/rates/USD/BOV`, AS_ADMIN);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('invalid_argument');
    expect(body.message).toContain('BOV');
  });

  it.each([
    ['/v1/rates/ETH/USD', 'ETH in base'],
    ['/v1/rates/USD/POINTS', 'POINTS in quote'],
    ['/v1/rates?base=BTC', 'BTC in base'],
  ])('answers %s with 400 saying the unit is not fiat', async (path, what) => {
    const response = await fetch(`${baseUrl}${path}`, AS_ADMIN);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 'invalid_argument',
      message: `${what} is a registered non-fiat unit; rates take ISO 4217 currencies only`,
      details: [],
    });
  });

  it('answers a well-shaped code that is neither a currency nor a unit as unknown', async () => {
    const response = await fetch(`${baseUrl}/v1/rates/USD/XYZ`, AS_ADMIN);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_argument', message: 'unknown currency "XYZ" in quote' });
  });

  it('carries the request id to the rates service, which logs it', async () => {
    const response = await fetch(`${baseUrl}/v1/rates/EUR/USD`, { headers: { ...AS_ADMIN.headers, 'x-request-id': 'net-trace-1' } });
    expect(response.headers.get('x-request-id')).toBe('net-trace-1');
    expect(ratesLog.lines.some((line) => line.fields.requestId === 'net-trace-1')).toBe(true);
  });

  it('is not ready while bill-service cannot be reached, and says which service', async () => {
    const response = await fetch(`${baseUrl}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { rates: 'SERVING', bills: 'UNREACHABLE' } });
  });

  it('answers 503 unavailable while rates-service is down and recovers when it returns, without a restart', async () => {
    const port = rates.port;
    await rates.close();

    const down = await fetch(`${baseUrl}/v1/rates/USD/GEL`, AS_ADMIN);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ code: 'unavailable', message: 'service unavailable', details: [] });

    rates = await startRates(port);
    const back = await fetch(`${baseUrl}/v1/rates/USD/GEL`, AS_ADMIN);
    expect(back.status).toBe(200);
    expect(((await back.json()) as { rate: string }).rate).toMatch(DECIMAL);
  });
});
