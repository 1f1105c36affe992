// Mandates over months and years in seconds, on Temporal's Java time-skipping test server, with a
// real PostgreSQL and the real payment simulator; only the bill-posting port is a recorder (no
// bill-service runs here: tests/system covers that path).
import { addDays, addMonthsClamped, formatLocalDate, localDateAt } from '@billing/calendar';
import type { Db } from '@billing/db';
import {
  approveCollectionUpdate, changeTermsUpdate, collectionKey, mandateQuery, mandateSearchAttributes,
  pauseUpdate, resumeUpdate, type TermsChange,
} from '@billing/mandates';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { metricsRegistry } from '@billing/runtime';
import { parsePrometheusText, sampleSum } from '@billing/runtime/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createBillWorker } from '../src/worker.ts';
import { chargedByKey, momentOf, recordingBillPosting, scriptOutcomes, startMandate } from './support/mandates.ts';
import { entriesOf, type TestLedger } from './support/ledger.ts';
import { workflowBundle } from './support/stack.ts';
import type { TestDatabase } from './support/servers.ts';
import { startTimeSkipping } from './support/time-skipping.ts';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let db: Db;
let ledger: TestLedger;
let worker: Worker;
let running: Promise<void>;
const bills = recordingBillPosting();
const taskQueue = 'mandates-time-skipping';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  ({ env, database, db, ledger } = await startTimeSkipping(Object.values(mandateSearchAttributes)));
  worker = await createBillWorker({
    connection: env.nativeConnection, namespace: env.namespace ?? 'default', db, taskQueue, workflowBundle: await workflowBundle(),
    billPosting: bills, ledger: ledger.posting,
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await ledger?.stop();
  await db?.destroy();
  await Promise.all([env?.teardown(), database?.drop()]);
});

async function sleepUntil(moment: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (moment > now) await env.sleep(moment - now);
}

/** The worker's collection counters, as a scrape would show them. */
async function collectionCounts() {
  const scrape = parsePrometheusText(await metricsRegistry.metrics());
  return {
    succeeded: sampleSum(scrape, 'billing_collections_succeeded_total'),
    failed: sampleSum(scrape, 'billing_collections_failed_total'),
  };
}

async function mandateEventsOf(customerId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  return await db('events').where({ customer_id: customerId }).whereLike('type', 'mandate.%').orderBy('seq').select('type', 'data');
}

async function collections(mandateId: string) {
  return await db('mandate_collections').where({ mandate_id: mandateId }).orderBy('cycle') as Array<Record<string, unknown>>;
}

it('runs 24 monthly cycles with a decline and dunning recovery, an amount change, a pause and a resume, to its end date', async () => {
  const started = Date.now();
  const startedOnServer = await env.currentTimeMs();
  const countedBefore = await collectionCounts();
  const now = new Date(await env.currentTimeMs());
  const first = addDays(localDateAt(now, 'UTC'), 1);
  const { input, handle } = await startMandate(env.client, taskQueue, {
    firstCollectionDate: formatLocalDate(first), endDate: formatLocalDate(addMonthsClamped(first, 23)),
    collectionTime: '12:00', createdAt: now.toISOString(),
  });

  await sleepUntil(momentOf(input, 2) + HOUR);
  expect((await handle.query(mandateQuery)).collectionsCompleted).toBe(2);

  // Cycle 3 is declined once, then the first dunning retry (a day later) succeeds.
  await scriptOutcomes(db, input.customerId, 'DECLINE');
  await sleepUntil(momentOf(input, 3) + HOUR);
  const declined = await handle.query(mandateQuery);
  expect(declined.lastCollection).toMatchObject({ cycle: 3, status: 'SCHEDULED', attempts: 1, failureReason: 'insufficient funds' });
  await sleepUntil(momentOf(input, 3) + DAY + HOUR);
  expect((await handle.query(mandateQuery)).lastCollection).toMatchObject({ cycle: 3, status: 'SUCCEEDED', attempts: 2 });

  // A control changes the amount from the next cycle on and collects nothing itself.
  const changed = await handle.executeUpdate(changeTermsUpdate, { args: [{ amount: '12.5' }] });
  expect(changed).toMatchObject({ amount: { amount: '12.50', currency: 'USD' }, collectionsCompleted: 3 });
  expect((await chargedByKey(db, `mandate:${input.mandateId}:`)).size).toBe(3);
  await sleepUntil(momentOf(input, 4) + HOUR);
  expect((await handle.query(mandateQuery)).lastCollection).toMatchObject({ cycle: 4, status: 'SUCCEEDED', amount: { amount: '12.50' } });

  // Paused over cycles 5 to 7: they are SKIPPED at the resume, and nothing is collected for them.
  expect((await handle.executeUpdate(pauseUpdate, { args: [{ resumeOn: null }] })).status).toBe('PAUSED');
  await sleepUntil(momentOf(input, 7) + DAY);
  const resumed = await handle.executeUpdate(resumeUpdate);
  expect(resumed).toMatchObject({ status: 'ACTIVE', nextCycle: 8, collectionsCompleted: 4 });

  const final = await handle.result();
  expect(final).toMatchObject({ status: 'COMPLETED', collectionsCompleted: 21, nextCycle: 25 });
  // 21 charges accepted, and the one declined before its dunning retry.
  const countedAfter = await collectionCounts();
  expect({ succeeded: countedAfter.succeeded - countedBefore.succeeded, failed: countedAfter.failed - countedBefore.failed })
    .toEqual({ succeeded: 21, failed: 1 });
  const rows = await collections(input.mandateId);
  expect(rows.map((row) => row.cycle)).toEqual(Array.from({ length: 24 }, (_, index) => index + 1));
  expect(rows.filter((row) => row.status === 'SKIPPED').map((row) => row.cycle)).toEqual([5, 6, 7]);
  expect(rows.filter((row) => row.status === 'SUCCEEDED')).toHaveLength(21);
  expect(rows.every((row) => row.status !== 'SUCCEEDED' || row.bill_id !== null)).toBe(true);
  const charged = await chargedByKey(db, `mandate:${input.mandateId}:`);
  expect([...charged.values()].every((count) => count === 1)).toBe(true);
  expect([...charged.keys()].sort()).toEqual(rows.filter((row) => row.status === 'SUCCEEDED')
    .map((row) => collectionKey(input.mandateId, Number(row.cycle))).sort());
  expect([...bills.items.keys()].filter((key) => key.startsWith(`mandate:${input.mandateId}:`))).toHaveLength(21);
  // Each collection is booked once in the ledger (the dunning retry of cycle 3 included), against the bill that took it.
  const payments = (await entriesOf(db, input.customerId)).filter((entry) => entry.type === 'PAYMENT');
  expect(Object.fromEntries(payments.map((entry) => [entry.idempotency_key, [entry.bill_id, entry.amount_minor]]))).toEqual(
    Object.fromEntries(rows.filter((row) => row.status === 'SUCCEEDED')
      .map((row) => [collectionKey(input.mandateId, Number(row.cycle)), [row.bill_id, row.amount_minor]])));
  const stored = await db('mandates').where({ id: input.mandateId }).first() as Record<string, unknown>;
  expect(stored).toMatchObject({ status: 'COMPLETED', collections_completed: 21, revision: String(final.revision) });

  // Its events, in the customer's order: created, one per successful collection, one per control
  // (amount change, pause, resume), completed; the declined attempt that a retry recovered is not a failure.
  const events = await mandateEventsOf(input.customerId);
  expect(events[0]?.type).toBe('mandate.created');
  expect(events.at(-1)).toMatchObject({ type: 'mandate.completed', data: { id: input.mandateId, status: 'COMPLETED', nextCollections: [] } });
  expect(events.filter((event) => event.type === 'mandate.collection_succeeded').map((event) => event.data.cycle))
    .toEqual(rows.filter((row) => row.status === 'SUCCEEDED').map((row) => row.cycle));
  expect(events.filter((event) => event.type === 'mandate.updated').map((event) => [event.data.status, event.data.amount]))
    .toEqual([['ACTIVE', { amount: '12.50', currency: 'USD' }], ['PAUSED', { amount: '12.50', currency: 'USD' }], ['ACTIVE', { amount: '12.50', currency: 'USD' }]]);
  expect(events.filter((event) => ['mandate.collection_failed', 'mandate.past_due'].includes(event.type))).toEqual([]);

  // Each run is one cycle: history stays a few dozen events, far from any size warning.
  const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
  expect(history.events?.length ?? 0).toBeLessThan(60);
  // Its two years went by on the test server's clock, skipped rather than waited: that clock is now
  // past the last collection while far less real time has passed.
  expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(momentOf(input, 24));
  expect(Date.now() - started).toBeLessThan(momentOf(input, 24) - startedOnServer);
}, 120_000);

it('applies every control sent right at a continue-as-new boundary', async () => {
  const now = new Date(await env.currentTimeMs());
  // Due at 00:00 today, already past: cycle 1 is collected at once and the run continues as new.
  const { input, handle } = await startMandate(env.client, taskQueue, {
    frequency: 'DAILY', firstCollectionDate: formatLocalDate(localDateAt(now, 'UTC')), createdAt: now.toISOString(),
  });
  const endDate = formatLocalDate(addDays(localDateAt(now, 'UTC'), 30));
  const send = async (change: TermsChange) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await handle.executeUpdate(changeTermsUpdate, { args: [change] });
      } catch (error) {
        // The run the Update went to continued as new before its outcome was read: send again.
        if (!(error instanceof Error && /not found/i.test(error.message)) || attempt >= 5) throw error;
      }
    }
  };
  // Batches of controls keep arriving while cycle 1 is collected and the run continues as new.
  let batch = 0;
  let boundaryCrossedAt = -1;
  while (boundaryCrossedAt < 0 || batch < boundaryCrossedAt + 2) {
    batch += 1;
    await Promise.all([send({ description: `Batch ${batch}` }), send({ amount: `${batch}.25` }),
      ...(batch === 2 ? [send({ endDate }), send({ currency: 'EUR', amount: `${batch}.25` })] : [])]);
    if (boundaryCrossedAt < 0 && (await handle.describe()).runId !== handle.firstExecutionRunId) boundaryCrossedAt = batch;
    expect(batch).toBeLessThan(200);
  }
  const view = await handle.query(mandateQuery);
  expect(view).toMatchObject({ description: `Batch ${batch}`, amount: { amount: `${batch}.25`, currency: 'EUR' }, endDate });
  expect(view.collectionsCompleted).toBe(1);
  const stored = await db('mandates').where({ id: input.mandateId }).first() as Record<string, unknown>;
  expect(stored).toMatchObject({ description: `Batch ${batch}`, currency: 'EUR', amount_minor: `${batch}25`, revision: String(view.revision) });
  await handle.terminate('test over');
}, 30_000);

it('reminds a manual mandate, collects it when approved, and misses another that nobody approves', async () => {
  const now = new Date(await env.currentTimeMs());
  const due = formatLocalDate(addDays(localDateAt(now, 'UTC'), 5));
  const manual = { autoExecution: false, reminderDaysBefore: 2, firstCollectionDate: due, collectionTime: '09:00', createdAt: now.toISOString() };
  const approved = await startMandate(env.client, taskQueue, manual);
  const missed = await startMandate(env.client, taskQueue, manual);

  await sleepUntil(momentOf(approved.input, 1) - 2 * DAY + HOUR);
  const reminders = await db('mandate_notifications').whereIn('mandate_id', [approved.input.mandateId, missed.input.mandateId]);
  expect(reminders.map((row: Record<string, unknown>) => [row.cycle, row.kind])).toEqual([[1, 'COLLECTION_REMINDER'], [1, 'COLLECTION_REMINDER']]);
  await expect(approved.handle.executeUpdate(approveCollectionUpdate, { args: [{ cycle: 1 }] }))
    .rejects.toMatchObject({ cause: { type: 'NotFound', message: expect.stringMatching(/no collection 1 yet/) } });
  await expect(approved.handle.executeUpdate(changeTermsUpdate, { args: [{ amount: '-1' }] }))
    .rejects.toMatchObject({ cause: { type: 'InvalidArgument', message: expect.stringMatching(/^amount: /) } });

  await sleepUntil(momentOf(approved.input, 1) + HOUR);
  expect((await approved.handle.query(mandateQuery)).lastCollection).toMatchObject({ cycle: 1, status: 'AWAITING_APPROVAL' });
  const collection = await approved.handle.executeUpdate(approveCollectionUpdate, { args: [{ cycle: 1 }] });
  expect(collection).toMatchObject({ cycle: 1, status: 'SUCCEEDED', attempts: 1 });
  // The item goes to the bill right after the charge the approval answered with.
  await vi.waitFor(() => expect(bills.items.has(collectionKey(approved.input.mandateId, 1))).toBe(true), { timeout: 5_000 });

  await sleepUntil(momentOf(missed.input, 1) + 3 * DAY + HOUR);
  expect((await missed.handle.query(mandateQuery)).lastCollection).toMatchObject({ cycle: 1, status: 'MISSED', attempts: 0 });
  expect((await collections(missed.input.mandateId))[0]).toMatchObject({ cycle: 1, status: 'MISSED' });
  expect((await chargedByKey(db, `mandate:${missed.input.mandateId}:`)).size).toBe(0);
  // The notification port's reminder is an event, written with the reminder's record.
  const approvedEvents = await mandateEventsOf(approved.input.customerId);
  expect(approvedEvents.filter((event) => event.type === 'mandate.reminder').map((event) => event.data))
    .toEqual([expect.objectContaining({ mandateId: approved.input.mandateId, cycle: 1, kind: 'COLLECTION_REMINDER', dueDate: due })]);
  expect(approvedEvents.map((event) => event.type)).toEqual(expect.arrayContaining(['mandate.created', 'mandate.reminder', 'mandate.collection_succeeded']));
  await Promise.all([approved.handle.terminate('test over'), missed.handle.terminate('test over')]);
}, 60_000);

it('fails a cycle whose dunning retries are all declined, making the mandate past due, and says so in order', async () => {
  const now = new Date(await env.currentTimeMs());
  const first = addDays(localDateAt(now, 'UTC'), 1);
  const second = addMonthsClamped(first, 1);
  const { input, handle } = await startMandate(env.client, taskQueue, {
    firstCollectionDate: formatLocalDate(first), endDate: formatLocalDate(second), collectionTime: '12:00', createdAt: now.toISOString(),
  });
  // The first charge and its three dunning retries (1, 3 and 5 days after the due date) are declined.
  await scriptOutcomes(db, input.customerId, 'DECLINE', 'DECLINE', 'DECLINE', 'DECLINE');
  await sleepUntil(momentOf(input, 1) + 5 * DAY + HOUR);
  const pastDue = await handle.query(mandateQuery);
  expect(pastDue).toMatchObject({ status: 'PAST_DUE', lastCollection: { cycle: 1, status: 'FAILED', attempts: 4 } });
  // The second and last cycle is collected.
  expect(await handle.result()).toMatchObject({ status: 'COMPLETED', collectionsCompleted: 1 });

  const events = await mandateEventsOf(input.customerId);
  // Collecting the next cycle makes it ACTIVE again (an update), then its end date completes it.
  expect(events.map((event) => event.type)).toEqual([
    'mandate.created', 'mandate.collection_failed', 'mandate.past_due', 'mandate.collection_succeeded', 'mandate.updated', 'mandate.completed',
  ]);
  expect(events.slice(3).map((event) => [event.data.cycle ?? event.data.status])).toEqual([[2], ['ACTIVE'], ['COMPLETED']]);
  const [failedRow] = await collections(input.mandateId);
  expect(events[1]!.data).toEqual({
    mandateId: input.mandateId, cycle: 1, dueDate: formatLocalDate(first), status: 'FAILED', attempts: 4,
    amount: { amount: '10.00', currency: 'USD' }, paymentReference: failedRow!.payment_reference, failureReason: 'insufficient funds',
    collectedAt: null,
  });
  // The mandate as the REST API shows it: no read-model bookkeeping, and the one due date left.
  const { revision: _revision, schedule: _schedule, nextCycle: _nextCycle, ...shown } = pastDue;
  expect(events[2]!.data).toEqual({ ...shown, nextCollections: [formatLocalDate(second)] });
}, 60_000);
