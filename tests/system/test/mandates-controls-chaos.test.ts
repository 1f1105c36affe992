import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import { MandateService } from '@billing/contracts';
import { createGrpcClient } from '@billing/grpc-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, newCustomer } from './bills-api.ts';
import { mandatesPath, todayUtc, type Mandate } from './mandates-api.ts';

// Controls in bursts around the moments mandates collect, through the real gateway. Daily
// mandates due now collect cycle 1 within a second of their creation and continue as new right
// after (a mandate does after every cycle): a control then meets a run that is closing, which
// Temporal answers as if the mandate had ended. Each mandate gets clients that change its terms,
// and one that pauses and resumes it, from its creation until a second after its collection;
// every client retries its own key until a 2xx or a genuine refusal, as docs/idempotency.md asks.
// Every control is then sent again with its key straight to bill-service, as the retry of a
// request whose gateway died after bill-service answered (the gateway recorded nothing): by now
// each mandate has continued as new, so the retry reaches the run after the one that applied it.
//
// Afterwards: every control was answered 2xx and its key replays that 2xx (no key keeps a 409 for
// a live mandate); every control was applied exactly once (each one moves the mandate's revision
// by one: the revision is that of a mandate that got no control, plus the controls); and every
// mandate collected its cycle once (one charge, one bill item, one SUCCEEDED collection).
//
// On the shared stack: nothing is killed here. What these bursts cannot reach is an Update
// answered WorkflowNotFoundError at a run boundary (the Temporal server hands such Updates to the
// next run itself); bill-service's mandate-run-boundary.test.ts delivers them there on purpose.

const MANDATES = 12;
const CREATE_SPREAD_MS = 3_000;
/** Clients changing each mandate's terms at once, besides the one pausing and resuming it. */
const TERMS_CLIENTS = 3;
/**
 * A client's pause between two controls, at most: a run only continues as new once every control
 * it took has answered, so clients that never paused would hold it off until their bursts ended.
 */
const THINK_MS = 150;
/** How long the bursts go on after a mandate's collection shows, and at most in all. */
const BURST_AFTER_COLLECTION_MS = 1_000;
const BURST_AT_MOST_MS = 15_000;
const SETTLE_WITHIN_MS = 30_000;
/** Direct retries and replays in flight at once. */
const PARALLEL = 8;

interface Control {
  mandate: { customerId: string; mandateId: string };
  key: string;
  method: 'PATCH' | 'POST';
  path: string;
  body: Record<string, string>;
  /** The client's last answer: a 2xx, or a refusal it must not retry. */
  status: number;
  text: string;
  /** The answers before the last one, retried. */
  retried: number[];
}

const retryable = (status: number, text: string) =>
  status === 429 || status >= 500 || (status === 409 && (JSON.parse(text) as { code?: string }).code === 'aborted');

let db: pg.Pool;
beforeAll(() => {
  db = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
});
afterAll(async () => {
  await db?.end();
});

/** Sends one control, retrying its key with backoff until a 2xx or a refusal to keep. */
async function send(control: Omit<Control, 'status' | 'text' | 'retried'>): Promise<Control> {
  const retried: number[] = [];
  for (let delay = 25; ; delay = Math.min(delay * 2, 1_000)) {
    let answer: { status: number; text: string };
    try {
      answer = await call(control.method, control.path, { body: control.body, key: control.key });
    } catch {
      answer = { status: 503, text: '{}' };
    }
    if (!retryable(answer.status, answer.text)) return { ...control, status: answer.status, text: answer.text, retried };
    retried.push(answer.status);
    await sleep(delay);
  }
}

async function createMandate(label: string) {
  const customerId = newCustomer(label);
  const created = await call<Mandate>('POST', mandatesPath(customerId), {
    key: `${customerId}-create`,
    body: { description: 'Daily plan', amount: '3.00', currency: 'USD', frequency: 'DAILY', firstCollectionDate: todayUtc(), timeZone: 'UTC' },
  });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  return { customerId, mandateId: created.json.id, path: `${mandatesPath(customerId)}/${created.json.id}` };
}

const collected = async (path: string) => (await call<Mandate>('GET', path)).json.collectionsCompleted >= 1;

/** The bursts for one mandate: from its creation until a second after its collection shows. */
async function burst(mandate: Awaited<ReturnType<typeof createMandate>>): Promise<Control[]> {
  const controls: Control[] = [];
  const key = { customerId: mandate.customerId, mandateId: mandate.mandateId };
  let stopAt = Date.now() + BURST_AT_MOST_MS;
  const watch = (async () => {
    while (Date.now() < stopAt && !(await collected(mandate.path))) await sleep(100);
    stopAt = Math.min(stopAt, Date.now() + BURST_AFTER_COLLECTION_MS);
  })();
  const termsClient = async (client: number) => {
    for (let n = 1; Date.now() < stopAt; n += 1) {
      await sleep(Math.random() * THINK_MS);
      controls.push(await send({
        mandate: key, key: `${mandate.mandateId}-terms-${client}-${n}`, method: 'PATCH', path: mandate.path,
        body: { description: `Daily plan, version ${client}.${n}` },
      }));
    }
  };
  // Pause and resume in turn, ending resumed: each is valid when sent, so only a fault refuses one.
  const stateClient = async () => {
    for (let n = 1; Date.now() < stopAt || n % 2 === 0; n += 1) {
      const action = n % 2 === 1 ? 'pause' : 'resume';
      await sleep(Math.random() * THINK_MS);
      controls.push(await send({
        mandate: key, key: `${mandate.mandateId}-${action}-${n}`, method: 'POST', path: `${mandate.path}/${action}`, body: {},
      }));
    }
  };
  await Promise.all([watch, stateClient(), ...Array.from({ length: TERMS_CLIENTS }, (_, client) => termsClient(client))]);
  return controls;
}

/** Runs `work` over `items`, `PARALLEL` at a time. */
async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  }));
  return results;
}

describe('mandate controls in bursts around each collection and continue-as-new', () => {
  it('answers every control 2xx, applies each once, and collects every cycle once', async () => {
    const billService = createGrpcClient(MandateService, `http://${inject('billServiceAddress')}`, {
      timeoutMs: 10_000, serviceCredential: inject('serviceToken'),
    });
    // A mandate that gets no control: its revision once collected is where every other one starts from.
    const quiet = await createMandate('ctl-chaos-quiet');
    const started = Date.now();
    const runs = await Promise.all(Array.from({ length: MANDATES }, async (_, index) => {
      await sleep((CREATE_SPREAD_MS * index) / MANDATES);
      const mandate = await createMandate(`ctl-chaos-${index}`);
      return { mandate, controls: await burst(mandate) };
    }));
    const controls = runs.flatMap((run) => run.controls);
    const mandates = [quiet, ...runs.map((run) => run.mandate)];
    const burstsTook = Date.now() - started;

    // Every control answered 2xx: none was refused as "ended", or as already paused or not paused.
    expect(controls.filter((control) => control.status !== 200).map(({ key, status, text }) => ({ key, status, text }))).toEqual([]);

    // The retry of a request whose answer was lost, straight to bill-service with the same key.
    const retried = await inParallel(controls, async (control) => {
      const request = { ...control.mandate, idempotencyKey: control.key };
      try {
        if (control.method === 'PATCH') await billService.updateMandate({ ...request, description: control.body.description });
        else if (control.path.endsWith('/pause')) await billService.pauseMandate(request);
        else await billService.resumeMandate(request);
        return undefined;
      } catch (error) {
        const failure = ConnectError.from(error);
        return { key: control.key, code: Code[failure.code], message: failure.rawMessage };
      }
    });
    expect(retried.filter((failure) => failure !== undefined)).toEqual([]);

    // Every key keeps its 2xx at the gateway.
    const replayed = await inParallel(controls, async (control) => {
      const answer = await call(control.method, control.path, { body: control.body, key: control.key });
      return { key: control.key, status: answer.status, replayed: answer.headers.get('idempotent-replayed') };
    });
    expect(replayed.filter((answer) => answer.status !== 200 || answer.replayed !== 'true')).toEqual([]);

    // Every mandate collected cycle 1 and put it on its bill (the item follows the collection).
    const ids = mandates.map((mandate) => mandate.mandateId);
    const keys = ids.map((id) => `mandate:${id}:1`);
    const billed = async () => Number((await db.query(
      `SELECT count(*) AS n FROM mandate_collections WHERE mandate_id = ANY($1) AND cycle = 1 AND status = 'SUCCEEDED' AND bill_id IS NOT NULL`,
      [ids])).rows[0].n);
    const deadline = Date.now() + SETTLE_WITHIN_MS;
    while (await billed() < mandates.length && Date.now() < deadline) await sleep(250);
    expect(await billed()).toBe(mandates.length);

    // Applied exactly once: each control is one revision of its mandate, a repeat none.
    const rows = (await db.query('SELECT id, status, revision, collections_completed FROM mandates WHERE id = ANY($1)', [ids])).rows as Array<
      { id: string; status: string; revision: string; collections_completed: number }>;
    const byId = new Map(rows.map((row) => [row.id, row]));
    const base = Number(byId.get(quiet.mandateId)?.revision);
    const applied = mandates.map((mandate) => {
      const row = byId.get(mandate.mandateId);
      const sent = controls.filter((control) => control.mandate.mandateId === mandate.mandateId).length;
      return { id: mandate.mandateId, status: row?.status, collections: row?.collections_completed, revision: Number(row?.revision) - base - sent };
    });
    expect(applied).toEqual(mandates.map((mandate) => ({ id: mandate.mandateId, status: 'ACTIVE', collections: 1, revision: 0 })));

    // One charge per cycle, one item per cycle.
    const charged = (await db.query(
      `SELECT idempotency_key, count(*) AS n FROM simulated_charge_attempts WHERE idempotency_key = ANY($1) AND outcome = 'CHARGED'
       GROUP BY idempotency_key`, [keys])).rows as Array<{ idempotency_key: string; n: string }>;
    expect(charged.map((row) => [row.idempotency_key, Number(row.n)]).sort()).toEqual(keys.map((key) => [key, 1]).sort());
    const items = (await db.query('SELECT idempotency_key, count(*) AS n FROM line_items WHERE idempotency_key = ANY($1) GROUP BY idempotency_key',
      [keys])).rows as Array<{ idempotency_key: string; n: string }>;
    expect(items.map((row) => [row.idempotency_key, Number(row.n)]).sort()).toEqual(keys.map((key) => [key, 1]).sort());

    const retries = controls.flatMap((control) => control.retried);
    console.info(`${controls.length} controls to ${MANDATES} mandates in ${burstsTook} ms of bursts; ${retries.length} retried answers `
      + `(${[...new Set(retries)].map((status) => `${status}: ${retries.filter((other) => other === status).length}`).join(', ')})`);
  }, 60_000);
});
