// Auto-close at the end of the period plus grace, on Temporal's Java time-skipping test server
// (installed from Maven Central by test-server/install.ts), with a real PostgreSQL.
import { billSearchAttributes, billSummaryQuery } from '@billing/bills';
import type { Db } from '@billing/db';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillWorker } from '../src/worker.ts';
import { nextPeriod, startBill } from './support/bills.ts';
import type { TestLedger } from './support/ledger.ts';
import { workflowBundle } from './support/stack.ts';
import type { TestDatabase } from './support/servers.ts';
import { startTimeSkipping } from './support/time-skipping.ts';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let db: Db;
let ledger: TestLedger;
let worker: Worker;
let running: Promise<void>;
const taskQueue = 'bills-time-skipping';

beforeAll(async () => {
  ({ env, database, db, ledger } = await startTimeSkipping(Object.values(billSearchAttributes)));
  worker = await createBillWorker({
    connection: env.nativeConnection, namespace: env.namespace ?? 'default', db, taskQueue, workflowBundle: await workflowBundle(),
    ledger: ledger.posting,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await ledger?.stop();
  await db?.destroy();
  await Promise.all([env?.teardown(), database?.drop()]);
});

it('closes the bill by itself exactly at the end of its period plus the grace period', async () => {
  const graceMs = 2 * 3_600_000;
  const now = new Date(await env.currentTimeMs());
  const { input, handle } = await startBill(env.client, taskQueue, {
    billingPeriod: nextPeriod(now), timeZone: 'Asia/Tbilisi', closeGraceMs: graceMs,
    createdAt: now.toISOString(),
  });
  const opened = await handle.query(billSummaryQuery);
  const closeAt = new Date(opened.periodEnd).getTime() + graceMs;

  await env.sleep(closeAt - (await env.currentTimeMs()) - 60_000);
  expect((await handle.query(billSummaryQuery)).status).toBe('OPEN');

  await env.sleep(120_000);
  const closed = await handle.result();
  expect(closed.status).toBe('CLOSED');
  expect(closed.invoiceNumber).toMatch(/^INV-\d{4}-000001$/);
  const closedAt = new Date(closed.closedAt ?? '').getTime();
  expect(closedAt).toBeGreaterThanOrEqual(closeAt);
  expect(closedAt).toBeLessThan(closeAt + 60_000);
  const row = await db('bills').where({ id: input.billId }).first() as Record<string, unknown>;
  expect(row).toMatchObject({ status: 'CLOSED', invoice_number: closed.invoiceNumber });
});
