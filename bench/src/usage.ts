// Usage benchmark: usage events per second through the gateway, in batches of 500 and one event
// per request, against the floor of the same rows stored straight into PostgreSQL by the same
// code and SQL (bill-service's ingestEvents, from this process); then the close of a bill that
// carries 1,000,000 events, timed from the close request to CLOSED. 1,000 customers, 5 metrics.
// Starts the stack on free ports, checks that every accepted event was stored once and that the
// big bill's usage lines count every event, and saves the raw result.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BillService, BillStatus, UsageService } from '@billing/contracts';
import { ingestEvents, type IncomingEvent } from '@billing/bill-service';
import { createDb } from '@billing/db';
import { startStack, type Stack } from '@billing/devstack';
import { createGrpcClient } from '@billing/grpc-kit';
import { describeFailures, percentile, runLoad, throughput, type LoadResult, type Outcome } from './bills/load.ts';
import { cpuMsPerOperation, cpuShares, sampleCpu } from './bills/process-cpu.ts';
import { summariseProfiles } from './cpu-profile.ts';
import { jsonClient, type JsonClient } from './http-client.ts';
import { beginRun, saveResult } from './results.ts';
import type { BenchOptions } from './run.ts';
import { formatRatio, printTable } from './table.ts';
import { measureOnStack } from './on-stack.ts';

const CUSTOMERS = 1_000;
const BATCH = 500;
const BATCHED_EVENTS = 200_000;
const SINGLE_EVENTS = 20_000;
const BATCH_CLIENTS = 8;
const SINGLE_CLIENTS = 64;
const CLOSE_EVENTS = 1_000_000;
const LOAD_DEADLINE_MS = 180_000;
const GOALS = { batchedPerSecond: 20_000, singlePerSecond: 2_000, batchedShareOfFloor: 0.5, closeSeconds: 5 } as const;

const METRICS = [
  { code: 'api_calls', name: 'API calls', aggregation: 'COUNT', field: '' },
  { code: 'tokens', name: 'Tokens', aggregation: 'SUM', field: 'n' },
  { code: 'storage_gb', name: 'Storage (GB)', aggregation: 'MAX', field: 'gb' },
  { code: 'active_users', name: 'Active users', aggregation: 'UNIQUE_COUNT', field: 'user' },
  { code: 'seats', name: 'Seats', aggregation: 'LATEST', field: 'seats' },
] as const;

interface Measured {
  name: string;
  path: 'gateway' | 'sql floor';
  eventsPerRequest: number;
  result: LoadResult;
  cpu: string;
  /** CPU milliseconds per event, by process. */
  cpuMsPerEvent: Record<string, number>;
}

/** Deterministic event i of a run: one of 1,000 customers, one of 5 metrics, with its property. */
function usageEvent(run: string, i: number): IncomingEvent {
  const metric = METRICS[i % METRICS.length] as (typeof METRICS)[number];
  const value = String((i * 7_919) % 1_000);
  const properties: Record<string, string> = metric.field === '' ? {} : { [metric.field]: metric.code === 'active_users' ? `u${value}` : value };
  return {
    transactionId: `${run}-${i}`, customerId: `${run}-c${(i * 31) % CUSTOMERS}`, metric: metric.code, timestamp: new Date().toISOString(), properties,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
}

async function postEvents(stack: Stack, http: JsonClient, events: readonly IncomingEvent[]): Promise<Outcome> {
  try {
    const response = await http.post('/v1/usage-events', { events }, { authorization: `Bearer ${stack.adminApiKey}` });
    if (response.status !== 200) return { ok: false, reason: `http ${response.status}` };
    const results = (response.body as { results?: Array<{ status: string }> } | undefined)?.results;
    return results?.every((result) => result.status === 'accepted') ? { ok: true } : { ok: false, reason: 'not all accepted' };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.name : 'thrown' };
  }
}

export async function runUsageBenchmark(options: BenchOptions): Promise<void> {
  const runContext = beginRun();
  // With --cpu-prof every app writes a V8 CPU profile here when it stops.
  const profileDir = options.cpuProfile ? await mkdtemp(join(tmpdir(), 'bench-usage-cpu-')) : undefined;
  const logPath = join(tmpdir(), `bench-usage-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  const stack = await startStack({
    apps: ['rates-service', 'bill-service', 'worker', 'gateway'],
    env: {
      LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', BILL_CLOSE_WAIT: '60s',
      ...(profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {}),
    },
    print: (line) => log.write(`${line}\n`),
  });
  const figures = await measureOnStack(stack, log, logPath, (started) => measureAll(started, options));
  const profiles = profileDir ? await summariseProfiles(profileDir, 20) : undefined;
  for (const profile of profiles ?? []) {
    console.log(`\n${profile.app}: ${(profile.sampledMs / 1000).toFixed(1)} s of CPU sampled (profiles in ${profileDir})`);
    printTable(['function', 'ms', '%'], profile.functions.map((share) => [share.name, String(share.ms), String(share.percent)]));
  }
  await saveResult('usage', runContext, { ...figures, ...(profiles ? { cpuProfiles: profiles } : {}) });
}

async function measureAll(stack: Stack, options: BenchOptions) {
  const singleEvents = options.requests ?? SINGLE_EVENTS;
  const usage = createGrpcClient(UsageService, stack.billServiceUrl, { timeoutMs: 120_000, serviceCredential: stack.serviceToken });
  const bills = createGrpcClient(BillService, stack.billServiceUrl, { timeoutMs: 120_000, serviceCredential: stack.serviceToken });
  const db = createDb({ url: stack.databaseUrl, poolMax: BATCH_CLIENTS + 2, applicationName: 'bench-usage' });
  // node:http keep-alive, one connection per client (src/http-client.ts): fetch cost about as much CPU per request as the gateway.
  const http = jsonClient(stack.gatewayUrl, SINGLE_CLIENTS);
  try {
    for (const metric of METRICS) {
      await usage.createMetric(metric);
      await usage.setPrice({ metricCode: metric.code, currency: 'USD', model: 'GRADUATED', tiers: [{ upTo: '1000', unitPrice: '0.01' }, { unitPrice: '0.001' }] });
    }
    const measured: Measured[] = [];
    const timed = async <T>(name: string, path: Measured['path'], eventsPerRequest: number, tasks: readonly T[], clients: number, send: (task: T) => Promise<Outcome>) => {
      const before = await sampleCpu();
      const result = await runLoad(tasks, clients, send, LOAD_DEADLINE_MS);
      const after = await sampleCpu();
      const cpuMsPerEvent = Object.fromEntries(Object.entries(cpuMsPerOperation(before, after, result.sent * eventsPerRequest))
        .map(([label, ms]) => [label, Number(ms.toFixed(3))]));
      measured.push({ name, path, eventsPerRequest, result, cpu: cpuShares(before, after, result.elapsedSeconds), cpuMsPerEvent });
      console.log(`${name} (${path}): ${(throughput(result) * eventsPerRequest).toFixed(0)} events/s, p50 ${percentile(result.latenciesMs, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(result.latenciesMs, 99).toFixed(1)} ms per request, failures ${describeFailures(result.failures)}; ` +
        `CPU ms per event ${JSON.stringify(cpuMsPerEvent)}`);
    };
    const run = (label: string) => `${label}${Date.now().toString(36)}`;

    const batchedRun = run('b');
    const floorRun = run('f');
    const singleRun = run('s');
    if (!options.singleOnly) {
      const batched = chunks(Array.from({ length: BATCHED_EVENTS }, (_, i) => i), BATCH);
      await timed(`batches of ${BATCH}`, 'gateway', BATCH, batched, BATCH_CLIENTS,
        (indexes) => postEvents(stack, http, indexes.map((i) => usageEvent(batchedRun, i))));

      await timed(`batches of ${BATCH}, same code and SQL straight into PostgreSQL`, 'sql floor', BATCH, chunks(Array.from({ length: BATCHED_EVENTS }, (_, i) => i), BATCH),
        BATCH_CLIENTS, async (indexes) => {
          const outcomes = await ingestEvents(db, indexes.map((i) => usageEvent(floorRun, i)), null);
          return outcomes.every((outcome) => outcome.status === 'accepted') ? { ok: true } : { ok: false, reason: 'not all accepted' };
        });
    }

    await timed('one event per request', 'gateway', 1, Array.from({ length: singleEvents }, (_, i) => i), SINGLE_CLIENTS,
      (i) => postEvents(stack, http, [usageEvent(singleRun, i)]));

    const stored = async (prefix: string) => Number((await db('usage_events').where('transaction_id', 'like', `${prefix}-%`).count({ n: '*' }))[0]?.n);
    const storedOnce = {
      batched: await stored(batchedRun), floor: await stored(floorRun), single: await stored(singleRun),
    };
    console.log(`stored: ${JSON.stringify(storedOnce)}`);

    const close = options.singleOnly ? undefined : await closeBigBill(stack, db, bills);

    const rate = (path: Measured['path'], perRequest: number) => {
      const entry = measured.find((each) => each.path === path && each.eventsPerRequest === perRequest);
      return entry === undefined ? Number.NaN : throughput(entry.result) * entry.eventsPerRequest;
    };
    const shareOfFloor = rate('gateway', BATCH) / rate('sql floor', BATCH);
    printTable(
      ['load', 'path', 'events/s', 'p50 ms (per request)', 'p99 ms (per request)', 'failures', 'goal', 'CPU (cores)'],
      measured.map((entry) => [
        entry.name, entry.path, (throughput(entry.result) * entry.eventsPerRequest).toFixed(0),
        percentile(entry.result.latenciesMs, 50).toFixed(1), percentile(entry.result.latenciesMs, 99).toFixed(1), describeFailures(entry.result.failures),
        entry.path === 'sql floor' ? '' : entry.eventsPerRequest === 1 ? `≥${GOALS.singlePerSecond}` : `≥${GOALS.batchedPerSecond}`, entry.cpu,
      ]),
    );
    if (close !== undefined) {
      console.log(`gateway batched ÷ SQL floor: ${formatRatio(shareOfFloor)} (goal ≥ ${GOALS.batchedShareOfFloor})`);
      console.log(`close of a bill with ${CLOSE_EVENTS.toLocaleString('en-US')} events: ${close.closeSeconds.toFixed(2)} s to CLOSED (goal < ${GOALS.closeSeconds} s)`);
    }
    return {
      customers: CUSTOMERS,
      metrics: METRICS.map((metric) => `${metric.code} (${metric.aggregation})`),
      goals: GOALS,
      singleOnly: options.singleOnly,
      ...(options.singleOnly ? {} : { batchedShareOfFloor: Number(shareOfFloor.toFixed(3)) }),
      storedOnce,
      loads: measured.map((entry) => ({
        name: entry.name, path: entry.path, eventsPerRequest: entry.eventsPerRequest, clients: entry.eventsPerRequest === 1 ? SINGLE_CLIENTS : BATCH_CLIENTS,
        requests: entry.result.sent, succeededRequests: entry.result.succeeded, seconds: Number(entry.result.elapsedSeconds.toFixed(2)),
        eventsPerSecond: Number((throughput(entry.result) * entry.eventsPerRequest).toFixed(1)),
        p50Ms: Number(percentile(entry.result.latenciesMs, 50).toFixed(2)), p99Ms: Number(percentile(entry.result.latenciesMs, 99).toFixed(2)),
        failures: Object.fromEntries(entry.result.failures), cpu: entry.cpu, cpuMsPerEvent: entry.cpuMsPerEvent,
      })),
      ...(close === undefined ? {} : { close }),
    };
  } finally {
    http.close();
    await db.destroy();
  }
}

/**
 * A bill for the current period whose customer has CLOSE_EVENTS events, written by one SQL
 * statement (what is timed is the close, not the loading), then closed and timed until CLOSED.
 */
async function closeBigBill(stack: Stack, db: ReturnType<typeof createDb>, bills: ReturnType<typeof createGrpcClient<typeof BillService>>) {
  const customer = `big-${randomUUID().slice(0, 8)}`;
  const billingPeriod = new Date().toISOString().slice(0, 7);
  await bills.createBill({ customerId: customer, billingPeriod, currency: 'USD', timeZone: 'UTC' });
  const loadStarted = performance.now();
  await db.raw(`
    INSERT INTO usage_events (customer_id, transaction_id, metric_code, metric_version, ts, value, dimension)
    SELECT ?, 'big-' || i, (ARRAY['api_calls', 'tokens', 'storage_gb', 'active_users', 'seats'])[i % 5 + 1], 1,
           greatest(date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', now() - (i % 3600) * interval '1 second'),
           CASE i % 5 WHEN 0 THEN NULL WHEN 3 THEN 'u' || (i % 5000) ELSE ((i::bigint * 7919) % 1000)::text END, '{}'
      FROM generate_series(1, ?) AS i`, [customer, CLOSE_EVENTS]);
  await db.raw('ANALYZE usage_events');
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  console.log(`loaded ${CLOSE_EVENTS.toLocaleString('en-US')} events for ${customer} in ${loadSeconds.toFixed(1)} s`);

  const started = performance.now();
  let bill = (await bills.closeBill({ customerId: customer, billingPeriod })).bill;
  while (bill?.status !== BillStatus.CLOSED && bill?.status !== BillStatus.FAILED) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    bill = (await bills.getBill({ customerId: customer, billingPeriod })).bill;
  }
  const closeSeconds = (performance.now() - started) / 1000;
  const lines = await db('usage_line_items').where({ bill_id: bill.id }).orderBy('metric_code')
    .select('metric_code', 'quantity', 'event_count', 'amount_minor') as Array<Record<string, string>>;
  const counted = lines.reduce((total, line) => total + Number(line.event_count), 0);
  if (bill.status !== BillStatus.CLOSED || counted !== CLOSE_EVENTS) {
    throw new Error(`the big bill ended ${BillStatus[bill.status]} with ${counted} events counted`);
  }
  return { events: CLOSE_EVENTS, loadSeconds: Number(loadSeconds.toFixed(2)), closeSeconds: Number(closeSeconds.toFixed(3)), total: bill.total, lines };
}
