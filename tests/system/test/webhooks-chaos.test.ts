import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, recordEvents, type Db } from '@billing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosStack } from './chaos-stack.ts';

// The worker delivering webhooks is killed with SIGKILL while a batch is out (requests received,
// not yet answered) and while events keep being written, then started again. Every event must
// reach the receiver at least once: the deliveries it held come back when their lease runs out,
// and the events announced while it was down are found in the table.
//
// It runs on the chaos project's stack, so the kill cannot disturb the other suites' shared one.
// Its endpoint takes every event of the stack; only the events this file writes are counted.

const CUSTOMERS = 30;
const BATCHES = 30;
const EVENTS = CUSTOMERS * BATCHES / 3;
const ANSWER_AFTER_MS = 150;

const stack = chaosStack();
let db: Db;
let endpointId: string | undefined;
let server: Server;
const received: string[] = [];
let open = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(String(request.headers['webhook-id']));
    open += 1;
    request.resume();
    // A slow receiver: at any moment a batch of requests is waiting for its answer.
    setTimeout(() => {
      open -= 1;
      response.writeHead(200).end();
    }, ANSWER_AFTER_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The chaos stack's short webhook deadline (WEBHOOK_TIMEOUT=1s) keeps the lease (2 × deadline
  // + 5 s) and so the whole run short.
  db = createDb({ url: stack.databaseUrl, poolMax: 5 });
}, 180_000);

afterAll(async () => {
  // Later files on the same stack deliver nothing to a receiver that is gone.
  if (endpointId) await db?.('webhook_endpoints').where({ id: endpointId }).delete();
  await db?.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe('webhook delivery under SIGKILL of the worker', () => {
  it('delivers every event at least once after the worker is killed mid-batch and restarted', async () => {
    const { port } = server.address() as AddressInfo;
    endpointId = `we_${randomUUID().replaceAll('-', '')}`;
    await db('webhook_endpoints').insert({ id: endpointId, url: `http://127.0.0.1:${port}/hook`, event_types: ['*'], customer_id: null });
    await db('webhook_endpoint_secrets').insert({ endpoint_id: endpointId, secret: randomBytes(24).toString('base64') });
    const customers = Array.from({ length: CUSTOMERS }, (_, index) => `chaos-hooks-${index}-${randomUUID().slice(0, 6)}`);

    // Ten events per batch, three customers each, a batch every 40 ms, while the worker is killed and restarted.
    const written: string[] = [];
    const writing = (async () => {
      for (let batch = 0; batch < BATCHES; batch += 1) {
        const events = await db.transaction((trx) => recordEvents(trx, Array.from({ length: 10 }, (_, index) => ({
          type: 'bill.item_added' as const, customerId: customers[(batch * 3 + index % 3) % CUSTOMERS]!, data: { batch, index },
        }))));
        written.push(...events.map((event) => event.id));
        await sleep(40);
      }
    })();

    const deadline = Date.now() + 30_000;
    while (received.length < 60 && Date.now() < deadline) await sleep(5);
    const inFlightAtKill = open;
    await stack.killApp('worker');
    await sleep(300);
    await stack.startApp('worker');
    await writing;
    expect(written).toHaveLength(EVENTS);
    expect(inFlightAtKill).toBeGreaterThan(0);

    const ours = new Set(written);
    const receivedOurs = () => new Set(received.filter((id) => ours.has(id)));
    const statuses = async () => (await db('webhook_deliveries').where({ endpoint_id: endpointId }).whereIn('event_id', written)
      .select('status').count('* as n').groupBy('status') as Array<{ status: string; n: string }>).map((row) => [row.status, Number(row.n)]);
    const finish = Date.now() + 90_000;
    while (Date.now() < finish && (receivedOurs().size < EVENTS || (await statuses())[0]?.[1] !== EVENTS)) await sleep(200);
    if (receivedOurs().size < EVENTS) process.stderr.write(`${(await stack.recentOutput(40)).join('\n')}\n`);
    // Every event arrived (some twice: those the killed worker had sent without recording), none lost.
    expect(receivedOurs()).toEqual(ours);
    expect(await statuses()).toEqual([['succeeded', EVENTS]]);
  }, 150_000);
});
