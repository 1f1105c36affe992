import { BillService } from '@billing/contracts';
import { sampleSum, scrapeMetrics, type Scrape } from '@billing/runtime/testing';
import { describe, expect, inject, it } from 'vitest';
import { billPath, call, createBill, futurePeriod, newCustomer, type Bill } from './bills-api.ts';

const urls = inject('metricsUrls');

/** Scrapes until `check` holds: the worker counts when its activity completes, a moment after the gateway answers. */
async function eventually(url: string, check: (scrape: Scrape) => boolean): Promise<Scrape> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const scrape = await scrapeMetrics(url);
    if (check(scrape) || Date.now() > deadline) return scrape;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Prometheus metrics of the running apps', () => {
  it.each(['gateway', 'bill-service', 'rates-service', 'worker'] as const)(
    '%s serves /metrics on its own port as Prometheus text with the process defaults',
    async (app) => {
      const scrape = await scrapeMetrics(urls[app]);
      expect(scrape.types.get('process_cpu_user_seconds_total')).toBe('counter');
      expect(sampleSum(scrape, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    },
  );

  it('exports each business counter from the app that moves it, from zero, and from no other', async () => {
    const exporters = (name: string) => Promise.all((['gateway', 'bill-service', 'rates-service', 'worker'] as const)
      .map(async (app) => ((await scrapeMetrics(urls[app])).types.has(name) ? [app] : []))).then((found) => found.flat());
    expect(await exporters('billing_bills_opened_total')).toEqual(['bill-service', 'worker']);
    expect(await exporters('billing_collections_failed_total')).toEqual(['worker']);
    expect(await exporters('billing_ledger_entries_posted_total')).toEqual(['bill-service']);
    expect(await exporters('billing_webhook_deliveries_total')).toEqual(['worker']);
    expect(await exporters('billing_webhook_backlog')).toEqual(['worker']);
    expect(await exporters('http_server_requests_total')).toEqual(['gateway']);
    expect(await exporters('rpc_server_requests_total')).toEqual(['bill-service', 'rates-service']);
  });

  it("serves the worker's Temporal SDK metrics, prefixed temporal_, on a port of their own", async () => {
    const scrape = await eventually(urls.temporalSdk, (found) => found.samples.some((sample) => sample.name.startsWith('temporal_')));
    const names = new Set(scrape.samples.map((sample) => sample.name));
    expect([...names].some((name) => name.startsWith('temporal_'))).toBe(true);
    expect(names.has('process_cpu_user_seconds_total')).toBe(false);
  });

  it('moves the billing counters and the RED metrics when a bill is opened, given an item and closed', async () => {
    const counters = {
      opened: 'billing_bills_opened_total',
      items: 'billing_line_items_added_total',
      closed: 'billing_bills_closed_total',
      invoices: 'billing_invoices_issued_total',
    };
    const workerBefore = await scrapeMetrics(urls.worker);
    const billBefore = await scrapeMetrics(urls['bill-service']);
    const gatewayBefore = await scrapeMetrics(urls.gateway);
    const was = (name: string) => sampleSum(workerBefore, name);

    const customer = newCustomer('metrics');
    const period = futurePeriod();
    await createBill(customer, period);
    // A bill's row is written, and so counted, by the create in bill-service that starts its workflow.
    const openedBefore = sampleSum(billBefore, counters.opened);
    const opened = await eventually(urls['bill-service'], (now) => sampleSum(now, counters.opened) > openedBefore);
    expect(sampleSum(opened, counters.opened)).toBeGreaterThan(openedBefore);

    const added = await call<Bill>('POST', `${billPath(customer, period)}/items`, { body: { description: 'Metered', amount: '4.20' }, key: `${customer}-1` });
    expect(added.status).toBe(201);
    const withItem = await eventually(urls.worker, (now) => sampleSum(now, counters.items) > was(counters.items));
    expect(sampleSum(withItem, counters.items)).toBeGreaterThan(was(counters.items));

    const closed = await call<Bill>('POST', `${billPath(customer, period)}/close`);
    expect(closed.status).toBe(200);
    const after = await eventually(urls.worker, (now) => sampleSum(now, counters.closed) > was(counters.closed));
    expect(sampleSum(after, counters.closed)).toBeGreaterThan(was(counters.closed));
    expect(sampleSum(after, counters.invoices)).toBeGreaterThan(was(counters.invoices));
    // Closing writes the row only if its create never did: a bill is counted opened once, by bill-service.
    expect(sampleSum(after, counters.opened)).toBe(was(counters.opened));

    // bill-service posted the invoice to its ledger, and answered each call through the interceptor.
    const billAfter = await scrapeMetrics(urls['bill-service']);
    const invoice = { type: 'INVOICE' };
    expect(sampleSum(billAfter, 'billing_ledger_entries_posted_total', invoice))
      .toBeGreaterThan(sampleSum(billBefore, 'billing_ledger_entries_posted_total', invoice));
    const rpc = (scrape: Scrape, method: string) => sampleSum(scrape, 'rpc_server_requests_total', { service: BillService.typeName, method, code: 'ok' });
    expect(rpc(billAfter, 'CreateBill') - rpc(billBefore, 'CreateBill')).toBe(1);
    expect(rpc(billAfter, 'AddLineItem') - rpc(billBefore, 'AddLineItem')).toBeGreaterThanOrEqual(1);
    expect(rpc(billAfter, 'CloseBill') - rpc(billBefore, 'CloseBill')).toBe(1);
    expect(sampleSum(billAfter, 'rpc_server_duration_seconds_count', { service: BillService.typeName, method: 'CloseBill' }))
      .toBeGreaterThan(sampleSum(billBefore, 'rpc_server_duration_seconds_count', { service: BillService.typeName, method: 'CloseBill' }));

    const gatewayAfter = await scrapeMetrics(urls.gateway);
    const route = (scrape: Scrape, path: string, status: string) =>
      sampleSum(scrape, 'http_server_requests_total', { route: path, method: 'POST', status });
    expect(route(gatewayAfter, '/v1/customers/:customerId/bills', '201') - route(gatewayBefore, '/v1/customers/:customerId/bills', '201')).toBe(1);
    const items = '/v1/customers/:customerId/bills/:billingPeriod/items';
    expect(route(gatewayAfter, items, '201') - route(gatewayBefore, items, '201')).toBe(1);
  });
});
