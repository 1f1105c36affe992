import { randomUUID } from 'node:crypto';
import { startStack, type Stack } from '@billing/devstack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { futurePeriod, newCustomer } from './bills-api.ts';
import { chaosStack } from './chaos-stack.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.ts';

// The apps an added item goes through once more (the gateway, bill-service and the worker; the rates
// service has no part in it), exporting OTLP http/json to a receiver in this process. They share the
// PostgreSQL and Temporal of the chaos project's stack (whose lane it balances) but poll a task
// queue of their own, so every workflow task and activity of these bills runs in this traced worker.
describe('one trace from a REST call to its SQL', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;
  const output: string[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({
      databaseUrl: chaosStack().databaseUrl,
      temporalAddress: chaosStack().temporalAddress,
      apps: ['bill-service', 'worker', 'gateway'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        TEMPORAL_TASK_QUEUE: `traced-bills-${randomUUID().slice(0, 8)}`,
      },
      print: (line) => output.push(line),
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  async function post(path: string, body: unknown, key?: string): Promise<Response> {
    return fetch(`${stack.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });
  }

  /** The spans of `traceId` once one of them satisfies `done`. */
  async function traceOnceItHas(traceId: string, done: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const spans = receiver.spans.filter((span) => span.traceId === traceId);
      if (spans.some(done) || Date.now() > deadline) return spans;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('descends gateway → bill-service RPC → workflow Update → activity → pg query for one added item', async () => {
    const customer = newCustomer('traces');
    const period = futurePeriod();
    const bills = `/v1/customers/${customer}/bills`;
    expect((await post(bills, { currency: 'USD', billingPeriod: period })).status).toBe(201);

    const added = await post(`${bills}/${period}/items`, { description: 'Traced', amount: '1.50' }, `${customer}-1`);
    expect(added.status).toBe(201);
    const requestId = added.headers.get('x-request-id');

    // The gateway's request span of this call: the root of its trace.
    const deadline = Date.now() + 20_000;
    let root: ReceivedSpan | undefined;
    while (!root && Date.now() < deadline) {
      root = receiver.spans.find((span) => span.service === 'gateway' && span.kind === 2 && span.parentSpanId === undefined
        && String(span.attributes['url.path'] ?? span.attributes['http.route'] ?? '').includes('/items'));
      if (!root) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(root, `no gateway request span for ${requestId}`).toBeDefined();
    const traceId = (root as ReceivedSpan).traceId;

    const isItemInsert = (span: ReceivedSpan) => span.service === 'worker' && span.name.startsWith('pg.query')
      && /insert/i.test(String(span.attributes['db.query.text'] ?? span.attributes['db.statement'] ?? ''));
    const spans = await traceOnceItHas(traceId, isItemInsert);
    const query = spans.find(isItemInsert);
    expect(query, `no pg insert in the trace; spans: ${spans.map((span) => `${span.service}:${span.name}`).join(', ')}`).toBeDefined();

    // Walk from the query up to the root by parentSpanId: every hop is on the way.
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestry: string[] = [];
    for (let span: ReceivedSpan | undefined = query; span; span = span.parentSpanId ? byId.get(span.parentSpanId) : undefined) {
      ancestry.unshift(`${span.service} ${span.name}`);
      if (span.parentSpanId && !byId.has(span.parentSpanId)) ancestry.unshift('(missing parent)');
    }
    const hops = [
      /^gateway request$/,
      /^gateway billing\.v1\.BillService\/AddLineItem$/,
      /^bill-service billing\.v1\.BillService\/AddLineItem$/,
      /^bill-service StartWorkflowUpdate:addLineItems?$/,
      /^worker HandleUpdate:addLineItems?$/,
      /^worker StartActivity:persistLineItems$/,
      /^worker RunActivity:persistLineItems$/,
      /^worker pg\.query/,
    ];
    let at = 0;
    for (const hop of hops) {
      const found = ancestry.findIndex((name, index) => index >= at && hop.test(name));
      expect(found, `${hop} not found in order in ${ancestry.join(' → ')}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
    expect(ancestry[0]).toBe('gateway request');
    expect(root?.attributes['billing.request_id']).toBe(requestId);

    // The RPC pair carries the OpenTelemetry RPC attributes on both sides.
    const rpcSpans = spans.filter((span) => /BillService\/AddLineItem$/.test(span.name));
    expect(rpcSpans.map((span) => [span.service, span.kind]).sort()).toEqual([['bill-service', 2], ['gateway', 3]]);
    for (const span of rpcSpans) {
      expect(span.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'billing.v1.BillService', 'rpc.method': 'AddLineItem', 'rpc.grpc.status_code': 0 });
    }

    // The log lines written while the call was handled carry its trace id.
    const logged = output.filter((line) => line.includes(`"requestId":"${requestId}"`) && line.includes('"grpc call"'));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) expect(line).toContain(`"trace_id":"${traceId}"`);
  });
});
