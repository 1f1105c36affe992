// Events benchmark: how many events per second reach a webhook receiver and SSE subscribers, and
// how long each takes from its transaction to the receiver, with 1,000 customers active.
//
// The whole stack runs (the worker delivers webhooks). A signed webhook endpoint takes every
// `ledger.entry_posted`, and one SSE stream per customer (1,000 streams through the gateway)
// tails that customer's events. Events are produced by top-ups posted with LedgerService.PostEntries,
// spread round-robin over the customers, in two phases:
//   burst: as fast as the ledger takes them; throughput is events over the time from the first
//          event's transaction to the last arrival.
//   paced: a steady rate well under the burst rate; latency is measured here, where no queue
//          builds up, so it shows the path itself.
// An event's `createdAt` is its transaction's start time (PostgreSQL's now()), a little before
// its commit, so every latency here includes the end of the transaction too: an upper bound.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { LedgerService } from '@billing/contracts';
import { startStack, type Stack } from '@billing/devstack';
import { createGrpcClient } from '@billing/grpc-kit';
import { percentile } from './bills/load.ts';
import { beginRun, saveResult } from './results.ts';
import { printTable } from './table.ts';
import { measureOnStack } from './on-stack.ts';

const CUSTOMERS = 1_000;
const BURST_EVENTS = 20_000;
const PACED_EVENTS = 6_000;
const PACED_PER_SECOND = 300;
const BATCH = 100;
const BATCH_CLIENTS = 8;
const ARRIVAL_DEADLINE_MS = 240_000;

/** Milliseconds since the epoch with sub-millisecond precision, comparable with event createdAt. */
const nowMs = () => performance.timeOrigin + performance.now();

interface Arrival {
  createdAtMs: number;
  arrivedMs: number;
}

/** Arrivals of one phase's events at one kind of consumer, keyed by event id (duplicates dropped). */
class Arrivals {
  readonly byId = new Map<string, Arrival>();
  duplicates = 0;
  readonly phase: string;
  constructor(phase: string) {
    this.phase = phase;
  }

  note(id: string, body: { createdAt: string; data: { idempotencyKey?: string } }): void {
    if (!body.data.idempotencyKey?.includes(this.phase)) return;
    if (this.byId.has(id)) {
      this.duplicates += 1;
      return;
    }
    this.byId.set(id, { createdAtMs: Date.parse(body.createdAt), arrivedMs: nowMs() });
  }

  figures(expected: number) {
    const arrivals = [...this.byId.values()];
    const latencies = arrivals.map((arrival) => arrival.arrivedMs - arrival.createdAtMs).sort((a, b) => a - b);
    const first = Math.min(...arrivals.map((arrival) => arrival.createdAtMs));
    const last = Math.max(...arrivals.map((arrival) => arrival.arrivedMs));
    const seconds = (last - first) / 1000;
    return {
      expected,
      received: arrivals.length,
      duplicates: this.duplicates,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Number((arrivals.length / seconds).toFixed(1)),
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? 0) },
    };
  }
}

const round = (value: number) => Number(value.toFixed(1));

/** A webhook receiver on loopback that checks every signature with the standardwebhooks package. */
async function startReceiver(onEvent: (id: string, body: never) => void) {
  let verifier: Webhook | undefined;
  const bad = { signatures: 0 };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        verifier?.verify(body, request.headers as Record<string, string>);
      } catch {
        bad.signatures += 1;
      }
      onEvent(String(request.headers['webhook-id']), JSON.parse(body) as never);
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bad,
    useSecret: (secret: string) => { verifier = new Webhook(secret); },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One SSE stream of one customer's events; calls `onEvent` for each `data:` block. */
async function openStream(stack: Stack, customerId: string, signal: AbortSignal, onEvent: (id: string, body: never) => void): Promise<void> {
  const response = await fetch(`${stack.gatewayUrl}/v1/events/stream?customerId=${customerId}`, {
    headers: { authorization: `Bearer ${stack.adminApiKey}`, accept: 'text/event-stream' }, signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`stream for ${customerId}: HTTP ${response.status}`);
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const id = /^id: ?(.*)$/m.exec(block)?.[1];
          const data = /^data: ?(.*)$/m.exec(block)?.[1];
          if (id && data) onEvent(id, JSON.parse(data) as never);
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
  })();
}

export async function runEventsBenchmark(): Promise<void> {
  const runContext = beginRun();
  const logPath = join(tmpdir(), `bench-events-${Date.now()}.log`);
  const log = createWriteStream(logPath);
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
  const stack = await startStack({
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_URLS: 'true' },
    print: (line) => log.write(`${line}\n`),
  });
  const figures = await measureOnStack(stack, log, logPath, measure);
  const path = await saveResult('events', runContext, figures);
  console.log(`raw result: ${path}`);
}

async function measure(stack: Stack) {
  const run = `ev${Date.now().toString(36)}`;
  const customer = (index: number) => `${run}-c${index}`;
  const phases = { warm: `${run}-warm-`, burst: `${run}-burst-`, paced: `${run}-paced-` };
  const webhook = Object.fromEntries(Object.entries(phases).map(([name, prefix]) => [name, new Arrivals(prefix)])) as Record<keyof typeof phases, Arrivals>;
  const sse = Object.fromEntries(Object.entries(phases).map(([name, prefix]) => [name, new Arrivals(prefix)])) as Record<keyof typeof phases, Arrivals>;
  const toAll = (arrivals: Record<keyof typeof phases, Arrivals>) => (id: string, body: never) => {
    for (const each of Object.values(arrivals)) each.note(id, body);
  };

  const receiver = await startReceiver(toAll(webhook));
  const created = await fetch(`${stack.gatewayUrl}/v1/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, events: ['ledger.entry_posted'], description: 'events benchmark' }),
  });
  if (created.status !== 201) throw new Error(`creating the webhook endpoint: HTTP ${created.status} ${await created.text()}`);
  receiver.useSecret(((await created.json()) as { secret: string }).secret);

  const hangUp = new AbortController();
  const streamsOpened = Date.now();
  for (let index = 0; index < CUSTOMERS; index += 50) {
    await Promise.all(Array.from({ length: Math.min(50, CUSTOMERS - index) }, (_, offset) => openStream(stack, customer(index + offset), hangUp.signal, toAll(sse))));
  }
  console.log(`${CUSTOMERS} SSE streams open in ${((Date.now() - streamsOpened) / 1000).toFixed(1)} s`);

  const ledger = createGrpcClient(LedgerService, stack.billServiceUrl, { timeoutMs: 60_000, serviceCredential: stack.serviceToken });
  const topUps = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ operation: { case: 'topUp' as const, value: {
    customerId: customer(index % CUSTOMERS), amount: { amount: '1.00', currency: 'USD' }, idempotencyKey: `${prefix}${index}`,
  } } }));
  const batches = <T>(items: readonly T[]) => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, index) => items.slice(index * BATCH, (index + 1) * BATCH));
  const post = async (chunk: ReturnType<typeof topUps>) => {
    const { results } = await ledger.postEntries({ operations: chunk });
    const refused = results.filter((result) => result.result.case !== 'entry').length;
    if (refused > 0) throw new Error(`${refused} top-ups refused`);
  };
  const waitFor = async (name: string, count: number) => {
    const deadline = Date.now() + ARRIVAL_DEADLINE_MS;
    while ((webhook[name as keyof typeof phases].byId.size < count || sse[name as keyof typeof phases].byId.size < count) && Date.now() < deadline) {
      await sleep(50);
    }
  };

  try {
    // Warm-up: every customer gets one event, so every stream and the endpoint have seen traffic.
    for (const chunk of batches(topUps(phases.warm, CUSTOMERS))) await post(chunk);
    await waitFor('warm', CUSTOMERS);

    // Burst: BATCH_CLIENTS producers, each posting its share of batches back to back.
    const burst = batches(topUps(phases.burst, BURST_EVENTS));
    let nextBatch = 0;
    await Promise.all(Array.from({ length: BATCH_CLIENTS }, async () => {
      while (nextBatch < burst.length) await post(burst[nextBatch++]!);
    }));
    await waitFor('burst', BURST_EVENTS);

    // Paced: one batch of PACED_PER_SECOND / 10 every 100 ms.
    const perTick = PACED_PER_SECOND / 10;
    const pacedFailures: string[] = [];
    const paced = topUps(phases.paced, PACED_EVENTS);
    const started = Date.now();
    for (let tick = 0; tick * perTick < paced.length; tick += 1) {
      await sleep(Math.max(0, started + tick * 100 - Date.now()));
      post(paced.slice(tick * perTick, (tick + 1) * perTick)).catch((error: unknown) => {
        pacedFailures.push(error instanceof Error ? error.message : String(error));
      });
    }
    await waitFor('paced', PACED_EVENTS);
    if (pacedFailures.length > 0) throw new Error(`paced batches failed: ${pacedFailures.slice(0, 3).join('; ')}`);
  } finally {
    hangUp.abort();
    await receiver.close();
  }

  const results = {
    customers: CUSTOMERS,
    sseStreams: CUSTOMERS,
    producer: { operation: 'LedgerService.PostEntries top-ups', operationsPerCall: BATCH, burstClients: BATCH_CLIENTS, pacedPerSecond: PACED_PER_SECOND },
    badSignatures: receiver.bad.signatures,
    burst: { webhook: webhook.burst.figures(BURST_EVENTS), sse: sse.burst.figures(BURST_EVENTS) },
    paced: { webhook: webhook.paced.figures(PACED_EVENTS), sse: sse.paced.figures(PACED_EVENTS) },
  };
  printTable(['phase', 'consumer', 'received', 'events/s', 'p50 ms', 'p99 ms', 'max ms', 'duplicates'],
    (['burst', 'paced'] as const).flatMap((phase) => (['webhook', 'sse'] as const).map((consumer) => {
      const figure = results[phase][consumer];
      return [phase, consumer, `${figure.received}/${figure.expected}`, String(figure.eventsPerSecond), String(figure.latencyMs.p50),
        String(figure.latencyMs.p99), String(figure.latencyMs.max), String(figure.duplicates)];
    })));
  console.log(`signatures that failed to verify: ${receiver.bad.signatures}`);
  return results;
}
