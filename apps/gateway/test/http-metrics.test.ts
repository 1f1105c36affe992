import { metricsRegistry } from '@billing/runtime';
import { parsePrometheusText, sampleSum, type Scrape } from '@billing/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestGateway } from './support/in-memory-services.ts';

type TestGateway = Awaited<ReturnType<typeof buildTestGateway>>;
let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.app.close();
  gateway = undefined;
});

const scrape = async () => parsePrometheusText(await metricsRegistry.metrics());
const requests = (text: Scrape, labels: Record<string, string>) => sampleSum(text, 'http_server_requests_total', labels);
const observed = (text: Scrape, labels: Record<string, string>) => sampleSum(text, 'http_server_duration_seconds_count', labels);

describe('HTTP metrics of the gateway', () => {
  it('counts each answered request by route template, method and status, with its duration', async () => {
    gateway = await buildTestGateway();
    const rate = { route: '/v1/rates/:base/:quote', method: 'GET' };
    const before = await scrape();

    expect((await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL' })).statusCode).toBe(200);
    expect((await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/EUR' })).statusCode).toBe(200);
    expect((await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/XYZ' })).statusCode).toBe(400);
    expect((await gateway.app.inject({ method: 'GET', url: '/v1/rates/USD/GEL', headers: { authorization: undefined } })).statusCode).toBe(401);
    const after = await scrape();

    const moved = (labels: Record<string, string>) => requests(after, labels) - requests(before, labels);
    expect(moved({ ...rate, status: '200' })).toBe(2);
    expect(moved({ ...rate, status: '400' })).toBe(1);
    // A refusal before the handler runs is still the route's request: an error rate must see it.
    expect(moved({ ...rate, status: '401' })).toBe(1);
    expect(observed(after, { ...rate, status: '200' }) - observed(before, { ...rate, status: '200' })).toBe(2);
    // The raw path never becomes a label: one series per route, whatever the currencies asked.
    expect(after.samples.some((sample) => Object.values(sample.labels).some((value) => value.includes('USD')))).toBe(false);
  });

  it('puts every request no route matches under one "unmatched" route', async () => {
    gateway = await buildTestGateway();
    const before = await scrape();
    for (const url of ['/wp-admin/setup.php', '/v1/nothing-here', '/.env']) {
      expect((await gateway.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
    const after = await scrape();
    const unmatched = { route: 'unmatched', method: 'GET', status: '404' };
    expect(requests(after, unmatched) - requests(before, unmatched)).toBe(3);
    expect(after.samples.some((sample) => sample.labels.route?.includes('wp-admin'))).toBe(false);
  });
});
