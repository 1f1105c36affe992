import { setTimeout as sleep } from 'node:timers/promises';
import type { AppName } from '@billing/devstack';
import { describe, expect, it } from 'vitest';
import { chaosStack } from './chaos-stack.ts';

// An operator's bad day, through the real gateway: adds with distinct Idempotency-Keys stream into
// one bill while the gateway, bill-service and the worker are each killed with SIGKILL and
// restarted. Each client follows the rules: it retries its own key, with bounded backoff, until a
// 2xx. Afterwards every key must be on the bill exactly once, the count and total exact, and no
// key stuck behind a recorded failure.
//
// It runs on the chaos project's stack, so killing apps cannot disturb the other suites' shared one.

const ITEMS = 200;
const SPREAD_MS = 9_000;
const KILLS: Array<{ atMs: number; app: AppName }> = [
  { atMs: 1_500, app: 'gateway' },
  { atMs: 4_500, app: 'bill-service' },
  { atMs: 7_500, app: 'worker' },
];
// A key stays claimed for the gateway deadline + 30 s after its gateway dies mid-request; the
// chaos stack's 5 s deadline (GRPC_TIMEOUT) keeps the whole run near a minute.
const GIVE_UP_AFTER_MS = 100_000;

const stack = chaosStack();

interface Attempt {
  status: number | 'network';
  body: string;
}

async function send(method: string, path: string, body?: unknown, key?: string): Promise<Attempt> {
  try {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.adminApiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    // The gateway died mid-request, or is restarting: the client cannot know what happened.
    return { status: 'network', body: String(error) };
  }
}

/** Retries one key until a 2xx, backing off from 100 ms to 2 s; returns every attempt. */
async function addUntilAccepted(path: string, key: string, item: unknown, deadline: number): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  for (let delay = 100; Date.now() < deadline; delay = Math.min(delay * 2, 2_000)) {
    const attempt = await send('POST', path, item, key);
    attempts.push(attempt);
    if (typeof attempt.status === 'number' && attempt.status >= 200 && attempt.status < 300) return attempts;
    await sleep(delay);
  }
  return attempts;
}

function minorUnits(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole ?? '0') * 100n + BigInt(fraction.padEnd(2, '0'));
}

describe('adds under SIGKILL of the gateway, bill-service and the worker', () => {
  it('puts every key on the bill exactly once, with the count and total exact and no key stuck', async () => {
    const customer = `chaos-${Date.now().toString(36)}`;
    const now = new Date();
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    const period = `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
    const created = await send('POST', `/v1/customers/${customer}/bills`, { currency: 'USD', billingPeriod: period });
    expect(created.status, created.body).toBe(201);
    const itemsPath = `/v1/customers/${customer}/bills/${period}/items`;

    const items = Array.from({ length: ITEMS }, (_, index) => ({
      key: `chaos-item-${index}`,
      body: { description: `usage ${index}`, amount: `${index + 1}.${String(index % 100).padStart(2, '0')}` },
    }));
    const started = Date.now();
    const deadline = started + GIVE_UP_AFTER_MS;
    const clients = items.map(async (item, index) => {
      await sleep((SPREAD_MS * index) / ITEMS);
      return addUntilAccepted(itemsPath, item.key, item.body, deadline);
    });
    const chaos = (async () => {
      for (const kill of KILLS) {
        await sleep(Math.max(0, started + kill.atMs - Date.now()));
        await stack.killApp(kill.app);
        await stack.startApp(kill.app);
      }
    })();
    const [histories] = await Promise.all([Promise.all(clients), chaos]);

    // Every client got its 2xx; the kills really did hit requests in flight.
    const stuck = items.filter((_, index) => {
      const last = histories[index]?.at(-1);
      return typeof last?.status !== 'number' || last.status >= 300;
    });
    expect(stuck.map((item) => item.key)).toEqual([]);
    const failures = histories.flat().filter((attempt) => attempt.status === 'network' || attempt.status >= 300);
    expect(failures.length).toBeGreaterThan(0);
    // An outage is never answered as a conflict or an internal error, and never with Node's words.
    const refusals = failures.filter((attempt) => typeof attempt.status === 'number');
    for (const attempt of refusals) {
      expect([409, 429, 503, 504]).toContain(attempt.status);
      if (attempt.status === 409) expect(attempt.body).toContain('still in progress');
      expect(attempt.body).not.toMatch(/ECONNRESET|ECONNREFUSED|ERR_|socket hang up/);
    }

    // The bill holds each key once, and the totals are exact.
    const bill = await send('GET', `/v1/customers/${customer}/bills/${period}`);
    expect(bill.status).toBe(200);
    const parsed = JSON.parse(bill.body) as { itemCount: number; total: { amount: string }; items: Array<{ idempotencyKey: string }> };
    const expectedTotal = items.reduce((sum, item) => sum + minorUnits(item.body.amount), 0n);
    expect(parsed.itemCount).toBe(ITEMS);
    expect(minorUnits(parsed.total.amount)).toBe(expectedTotal);
    const keys = parsed.items.map((item) => item.idempotencyKey).sort();
    expect(keys).toEqual(items.map((item) => item.key).sort());

    // No key is stuck: a retry now replays the recorded 201.
    for (const item of items.slice(0, 20)) {
      const replay = await fetch(`${stack.gatewayUrl}${itemsPath}`, {
        method: 'POST', headers: { authorization: `Bearer ${stack.adminApiKey}`, 'content-type': 'application/json', 'idempotency-key': item.key },
        body: JSON.stringify(item.body),
      });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
    }
    process.stdout.write(`chaos: ${ITEMS} keys, ${histories.flat().length} attempts, ${failures.length} failed attempts, ` +
      `${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 180_000);
});
