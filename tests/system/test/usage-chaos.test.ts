import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createDb, lockUsageShared } from '@billing/db';
import { chaosStack } from './chaos-stack.ts';

// The close's barrier under fire, through the real gateway: usage events stream at a bill while it
// closes, and the worker is SIGKILLed in the middle of the close's transaction (it is made to wait
// there on the customer's usage lock, held by this test as an ingest in flight would). PostgreSQL
// rolls the dead worker's transaction back; the restarted worker's retry closes the bill. After it:
// every event a sender saw accepted is stored once and counted in the bill's lines, each line
// equals a recomputation from the raw events, and every later event for the period was refused
// because the period is closed.
//
// The senders send flat out around both close attempts: the one the kill ends, and its retry once
// the killed attempt has timed out (its start-to-close timeout, read from Temporal). In between,
// while nothing but that timeout is awaited, each sends a batch a second.

const SENDERS = 4;
const BATCH = 50;
/** Between the killed close and its retry, each sender's pause; around both, 50 ms. */
const WAITING_PAUSE_MS = 1_000;
/** Flat out from this long before the killed attempt times out. */
const FLAT_OUT_BEFORE_RETRY_MS = 5_000;
const stack = chaosStack();
const authorization = `Bearer ${stack.adminApiKey}`;

interface Result {
  transactionId: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  reason?: string;
}

async function send(method: string, path: string, body?: unknown, timeoutMs = 20_000): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: body === undefined ? { authorization } : { authorization, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function currentPeriod(): string {
  return new Date().toISOString().slice(0, 7);
}

/** When the close's attempt the worker was killed in times out (ms since the epoch), as Temporal has it. */
async function killedAttemptTimesOutAt(db: ReturnType<typeof createDb>, customer: string): Promise<number> {
  const { workflow_id: workflowId } = await db('bills').where({ customer_id: customer }).first('workflow_id') as { workflow_id: string };
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const { raw } = await new Client({ connection, namespace: stack.temporalNamespace }).workflow.getHandle(workflowId).describe();
    const seconds = (value: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(value?.seconds ?? 0) + (value?.nanos ?? 0) / 1e9;
    // PENDING_ACTIVITY_STATE_STARTED
    const started = (raw.pendingActivities ?? []).filter((activity) => activity.state === 2);
    expect(started.length, 'the close has an attempt under way').toBe(1);
    const [attempt] = started;
    expect(seconds(attempt?.activityOptions?.startToCloseTimeout), 'its start-to-close timeout').toBeGreaterThan(0);
    return (seconds(attempt?.lastStartedTime) + seconds(attempt?.activityOptions?.startToCloseTimeout)) * 1000;
  } finally {
    await connection.close();
  }
}

describe('usage events at a bill while it closes and its worker is killed mid-close', () => {
  it('counts every accepted event exactly once, and refuses every later one for the closed period', async () => {
    const customer = `usage-chaos-${randomUUID().slice(0, 8)}`;
    const period = currentPeriod();
    const bill = `/v1/customers/${customer}/bills/${period}`;
    const suffix = randomUUID().slice(0, 8);
    const calls = `calls_${suffix}`;
    const bytes = `bytes_${suffix}`;
    expect((await send('POST', `/v1/customers/${customer}/bills`, { currency: 'USD', billingPeriod: period })).status).toBe(201);
    expect((await send('POST', '/v1/metrics', { code: calls, name: 'Calls', aggregation: 'COUNT' })).status).toBe(201);
    expect((await send('POST', '/v1/metrics', { code: bytes, name: 'Bytes', aggregation: 'SUM', field: 'n' })).status).toBe(201);
    expect((await send('PUT', `/v1/metrics/${calls}/price`, { currency: 'USD', model: 'PER_UNIT', unitPrice: '0.001' })).status).toBe(200);

    // Senders retry a batch whose answer they did not get (the same ids: a duplicate is success).
    const outcomes = new Map<string, Result>();
    const values = new Map<string, bigint>();
    let stop = false;
    let calmUntil = 0;
    const sender = async (lane: number) => {
      for (let round = 0; !stop; round += 1) {
        const events = Array.from({ length: BATCH }, (_, index) => {
          const transactionId = randomUUID();
          const n = BigInt(1 + ((round * BATCH + index + lane) % 97));
          values.set(transactionId, n);
          return index % 2 === 0
            ? { transactionId, customerId: customer, metric: calls, timestamp: new Date().toISOString(), properties: {} }
            : { transactionId, customerId: customer, metric: bytes, timestamp: new Date().toISOString(), properties: { n: String(n) } };
        });
        for (;;) {
          const answer = await send('POST', '/v1/usage-events', { events }).catch(() => undefined);
          if (answer?.status === 200) {
            for (const result of (answer.json as { results: Result[] }).results) {
              const seen = outcomes.get(result.transactionId);
              // A retried batch: what was accepted before is a duplicate now, never a rejection.
              if (seen?.status === 'accepted') expect(result.status).toBe('duplicate');
              else outcomes.set(result.transactionId, result);
            }
            break;
          }
          await sleep(200);
        }
        await sleep(Date.now() < calmUntil ? Math.min(WAITING_PAUSE_MS, calmUntil - Date.now()) : 50);
      }
    };
    const sending = Promise.all(Array.from({ length: SENDERS }, (_, lane) => sender(lane)));
    await sleep(1_000);

    // An ingest in flight, as far as the close can tell: it holds the customer's usage lock shared.
    const db = createDb({ url: stack.databaseUrl, poolMax: 2 });
    const ingest = await db.transaction();
    try {
      await lockUsageShared(ingest, [customer]);
      const closing = send('POST', `${bill}/close`, undefined, 5_000).catch(() => undefined);
      let waiting: Array<{ query: string }> = [];
      for (let tries = 0; tries < 300 && waiting.length === 0; tries += 1) {
        await sleep(100);
        ({ rows: waiting } = await db.raw(
          `SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock(%'`,
        ) as { rows: Array<{ query: string }> });
      }
      expect(waiting.length, `the close is waiting inside its transaction: ${JSON.stringify(waiting)}`).toBe(1);
      await stack.killApp('worker');
      await ingest.commit();
      // The killed attempt times out at its start plus its start-to-close timeout; the retry comes after.
      const timesOutAt = await killedAttemptTimesOutAt(db, customer);
      calmUntil = timesOutAt - FLAT_OUT_BEFORE_RETRY_MS;
      await closing;
      await stack.startApp('worker');

      // The close's activity is retried once its attempt times out; the senders keep sending meanwhile.
      let status = '';
      for (const deadline = Date.now() + 150_000; status !== 'CLOSED' && Date.now() < deadline;) {
        await sleep(1_000);
        status = String(((await send('GET', bill)).json as { status?: string }).status);
      }
      expect(status, (await stack.recentOutput()).join('\n')).toBe('CLOSED');
      // The retried close ran while the senders were sending flat out.
      expect(Date.now()).toBeGreaterThan(timesOutAt);
      await sleep(500);
      stop = true;
      await sending;

      const accepted = [...outcomes.values()].filter((result) => result.status === 'accepted').map((result) => result.transactionId);
      const rejected = [...outcomes.values()].filter((result) => result.status === 'rejected');
      expect(accepted.length).toBeGreaterThan(0);
      expect(rejected.length, 'events after the close were sent and refused').toBeGreaterThan(0);
      for (const result of rejected) expect(result.reason).toMatch(/closed/);

      // Stored: exactly the accepted events, each once.
      const stored = await db('usage_events').where({ customer_id: customer }).select('transaction_id', 'metric_code', 'value') as
        Array<{ transaction_id: string; metric_code: string; value: string | null }>;
      expect(stored.length).toBe(accepted.length);
      expect(new Set(stored.map((row) => row.transaction_id))).toEqual(new Set(accepted));

      // The bill's lines equal a recomputation from the raw events.
      const count = stored.filter((row) => row.metric_code === calls).length;
      const sum = stored.filter((row) => row.metric_code === bytes).reduce((total, row) => total + (values.get(row.transaction_id) ?? 0n), 0n);
      const items = ((await send('GET', `${bill}/items?limit=200`)).json as { items: Array<{ description: string; quantity: string }> }).items;
      expect(items.map((item) => [item.description, item.quantity]).sort()).toEqual([['Bytes', sum.toString()], ['Calls', String(count)]]);
      const lines = await db('usage_line_items').join('bills', 'bills.id', 'usage_line_items.bill_id')
        .where('bills.customer_id', customer).select('metric_code', 'quantity', 'event_count') as Array<Record<string, string>>;
      expect(lines.map((line) => [line.metric_code, line.quantity, String(line.event_count)]).sort())
        .toEqual([[bytes, sum.toString(), String(stored.length - count)], [calls, String(count), String(count)]]);
    } finally {
      stop = true;
      if (!ingest.isCompleted()) await ingest.rollback();
      await db.destroy();
    }
  }, 240_000);
});
