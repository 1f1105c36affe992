import { startStack, startTemporal } from '@billing/devstack';
import { scrapeMetrics } from '@billing/runtime/testing';
import { describe, expect, inject, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill } from './bills-api.ts';
import { alertQueries, dashboardQueries, metricNames, type Query } from './queried-metrics.ts';

const urls = inject('metricsUrls');
const temporalServerUrl = inject('temporalServerMetricsUrl');

/**
 * Names a query may use that no endpoint exports: Prometheus makes `up` itself for every target
 * it scrapes.
 */
const MADE_BY_PROMETHEUS = new Set(['up']);

/**
 * The SDK creates a failure counter at its first failure, which the shared stack never has: these
 * are looked for in the scrape of a worker whose Temporal server has gone away instead.
 */
const CREATED_AT_FIRST_FAILURE = new Set(['temporal_request_failure']);

type Endpoint = 'apps' | 'temporal SDK' | 'Temporal server';

/**
 * Where a queried name must be found. The Temporal server dashboard reads the server; a
 * `temporal_` name anywhere else is the worker's SDK runtime (the server has a few `temporal_`
 * names of its own client, so they are told apart by endpoint, not by prefix alone); the rest
 * are the four apps'.
 */
function endpointOf(query: Query, name: string): Endpoint {
  if (query.origin === 'temporal-server') return 'Temporal server';
  return name.startsWith('temporal_') ? 'temporal SDK' : 'apps';
}

async function namesAt(...endpoints: string[]): Promise<Set<string>> {
  const scrapes = await Promise.all(endpoints.map((url) => scrapeMetrics(url)));
  return new Set(scrapes.flatMap((scrape) => scrape.samples.map((sample) => sample.name)));
}

async function scrapeAll(): Promise<Record<Endpoint, Set<string>>> {
  return {
    apps: await namesAt(urls.gateway, urls['bill-service'], urls['rates-service'], urls.worker),
    'temporal SDK': await namesAt(urls.temporalSdk),
    'Temporal server': await namesAt(temporalServerUrl),
  };
}

const queries = [...dashboardQueries(), ...alertQueries()];

/** What is queried but not exported, as `name (endpoint; source)`, once traffic has settled. */
function missing(found: Record<Endpoint, Set<string>>): string[] {
  return queries.flatMap((query) => metricNames(query.expr)
    .filter((name) => !MADE_BY_PROMETHEUS.has(name) && !CREATED_AT_FIRST_FAILURE.has(name))
    .filter((name) => !found[endpointOf(query, name)].has(name))
    .map((name) => `${name} (${endpointOf(query, name)}; ${query.source})`));
}

describe('metrics the shipped dashboards and alerts query', () => {
  it('reads the metric names out of PromQL, leaving functions, labels, ranges and strings aside', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (route, method, le) (rate(http_server_duration_seconds_bucket{route!~"x_y"}[5m]))) > 2'))
      .toEqual(['http_server_duration_seconds_bucket']);
    expect(metricNames('(sum(rate(a_total[$__rate_interval])) or vector(0)) / on (job) group_left (le) b_total offset 5m'))
      .toEqual(['a_total', 'b_total']);
    expect(metricNames('up{job=~"gateway|worker"} == 0 and ignoring(instance) nodejs_x > 1e3')).toEqual(['up', 'nodejs_x']);
  });

  it('finds a query in every panel of every dashboard and in every alert, each naming a metric', () => {
    const origins = new Set(queries.map((query) => query.origin));
    expect([...origins].sort()).toEqual(['alerts', 'billing-overview', 'temporal-sdk', 'temporal-server']);
    expect(queries.filter((query) => metricNames(query.expr).length === 0).map((query) => query.source)).toEqual([]);
  });

  it('finds every queried metric in a scrape of the endpoint that exports it, once bills have gone through', async () => {
    // Traffic every panel needs: a bill opened, given an item, closed; a refusal; a lookup of nothing.
    const customer = newCustomer('queried-metrics');
    const period = futurePeriod();
    await createBill(customer, period);
    const added = await call<Bill>('POST', `${billPath(customer, period)}/items`, { body: { description: 'Metered', amount: '1.00' }, key: `${customer}-1` });
    expect(added.status).toBe(201);
    expect((await call<Bill>('POST', `${billPath(customer, period)}/close`)).status).toBe(200);
    expect((await call('POST', `${billPath(customer, period)}/items`, { body: { amount: 'NaN' }, key: `${customer}-2` })).status).toBe(400);
    expect((await call('GET', billPath(newCustomer('nobody'), period))).status).toBe(404);

    // The worker counts when its activities complete and the SDK publishes its histograms a
    // moment later: scrape until nothing is missing, or report what still is.
    const deadline = Date.now() + 20_000;
    let found = await scrapeAll();
    while (missing(found).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      found = await scrapeAll();
    }
    expect(missing(found)).toEqual([]);

    const unqueried = [...CREATED_AT_FIRST_FAILURE].filter((name) => !queries.some((query) => metricNames(query.expr).includes(name)));
    expect(unqueried, 'no longer queried: delete these from CREATED_AT_FIRST_FAILURE').toEqual([]);
  });

  it("finds the worker's failure counters in its scrape once its Temporal server has gone away", async () => {
    // A worker of its own against a Temporal of its own (the shared stack's database), so
    // stopping that server disturbs no other test.
    const temporal = await startTemporal();
    const stack = await startStack({ apps: [], temporalAddress: temporal.address, databaseUrl: inject('databaseUrl') });
    // The worker is started without waiting for it to poll (as the stack would): Temporal goes away
    // while it is still starting, between connecting and creating its worker, whose calls then fail.
    const starting = stack.startApp('worker').catch(() => undefined);
    try {
      // It is connected once its calls are counted.
      const connectedBy = Date.now() + 30_000;
      while (!(await namesAt(stack.metricsUrls.temporalSdk).catch(() => new Set<string>())).has('temporal_request')) {
        if (Date.now() > connectedBy) throw new Error('the worker made no call to Temporal in 30 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await temporal.stop();
      // The worker retries its calls, counting each failure, then gives up and exits: keep the
      // last scrape it answered.
      let names = new Set<string>();
      // Scraped often: on a loaded machine the worker may give up soon after its first failures.
      const deadline = Date.now() + 30_000;
      while (![...CREATED_AT_FIRST_FAILURE].every((name) => names.has(name)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        names = await namesAt(stack.metricsUrls.temporalSdk).catch(() => names);
      }
      expect([...CREATED_AT_FIRST_FAILURE].filter((name) => !names.has(name))).toEqual([]);
    } finally {
      await stack.stop();
      await temporal.stop();
    }
    void starting;
  });
});
