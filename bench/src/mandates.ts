// Mandates benchmark: 1,000 live mandates on one in-process worker (its memory per cached mandate
// workflow, and how long starting them all takes until each has written its read-model row), and
// the wall time of one 24-cycle mandate on Temporal's time-skipping test server. Real PostgreSQL
// and payment simulator throughout; bill posting and the ledger's payments are answered in memory
// (no bill-service runs).
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addDays, addMonthsClamped, formatLocalDate, localDateAt } from '@billing/calendar';
import { createDb, migrateLatest, type Db } from '@billing/db';
import { startPostgres, startTemporal } from '@billing/devstack';
import { mandateSearchAttributes, mandateWorkflowId, type MandateWorkflowInput } from '@billing/mandates';
import type { BillPostingPort } from '@billing/worker/bill-posting';
import type { LedgerPostingPort } from '@billing/worker/ledger-posting';
import { bundleBillWorkflows } from '@billing/worker/bundle';
import { installTestServer } from '@billing/worker/test-server';
import { createBillWorker } from '@billing/worker/worker';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { setTimeout as sleep } from 'node:timers/promises';
import { beginRun, saveResult } from './results.ts';
import { printTable } from './table.ts';
import { installQuietTemporalRuntime } from './temporal-runtime.ts';

const MANDATES = 1_000;
const START_CONCURRENCY = 50;
const GOALS = { memoryPerMandateMb: 0.5, twentyFourCyclesSeconds: 30 } as const;

const billPosting: BillPostingPort = {
  post: (collection) => Promise.resolve({ billId: `bill_${collection.customerId}`, billingPeriod: collection.dueDate.slice(0, 7) }),
};
const ledger: LedgerPostingPort = {
  postInvoice: () => Promise.resolve(null),
  recordCollection: (payment) => Promise.resolve({ entryId: `ent_${payment.idempotencyKey}`, replayed: false }),
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function mandate(overrides: Partial<MandateWorkflowInput>): MandateWorkflowInput {
  const id = randomUUID().replaceAll('-', '').slice(0, 16);
  return {
    mandateId: `mnd_${id}`, customerId: `bench-${id}`, description: 'Benchmark plan', amount: '9.99', currency: 'USD',
    frequency: 'MONTHLY', firstCollectionDate: formatLocalDate(addDays(localDateAt(new Date(), 'UTC'), 10)), endDate: null,
    timeZone: 'UTC', collectionTime: '12:00', autoExecution: true, reminderDaysBefore: 0, createdAt: new Date().toISOString(),
    ...overrides,
  };
}

async function memory(): Promise<{ heapMb: number; rssMb: number }> {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await sleep(200);
  }
  const usage = process.memoryUsage();
  return { heapMb: usage.heapUsed / 2 ** 20, rssMb: usage.rss / 2 ** 20 };
}

async function liveMandates(db: Db, bundle: WorkflowBundleWithSourceMap) {
  const temporal = await startTemporal();
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `bench-mandates-${randomUUID()}`;
  // The SDK runs workflows in a worker thread whose heap process.memoryUsage().heapUsed does not
  // see, so memory is measured as the process's resident set (every thread, the workflows' V8
  // heap included): a ceiling on their heap. The cache holds every mandate.
  const worker = await createBillWorker({
    connection: nativeConnection, namespace: temporal.namespace, db, taskQueue, workflowBundle: bundle, billPosting, ledger,
    maxCachedWorkflows: MANDATES + 100,
  });
  const running = worker.run();
  try {
    const start = (input: MandateWorkflowInput) => client.workflow.start('mandateWorkflow', {
      workflowId: mandateWorkflowId(input.mandateId), taskQueue, args: [input],
    });
    await start(mandate({}));
    await sleep(2_000);
    const before = await memory();
    const inputs = Array.from({ length: MANDATES }, () => mandate({}));
    const started = performance.now();
    for (let index = 0; index < inputs.length; index += START_CONCURRENCY) {
      await Promise.all(inputs.slice(index, index + START_CONCURRENCY).map(start));
    }
    const accepted = performance.now();
    const ids = inputs.map((input) => input.mandateId);
    while (Number((await db('mandates').whereIn('id', ids).count('* as n').first() as { n: string }).n) < MANDATES) await sleep(100);
    const written = performance.now();
    await sleep(3_000);
    const after = await memory();
    return {
      mandates: MANDATES,
      startAllSeconds: (accepted - started) / 1000,
      allWrittenSeconds: (written - started) / 1000,
      rssPerMandateMb: (after.rssMb - before.rssMb) / MANDATES,
      mainThreadHeapPerMandateMb: (after.heapMb - before.heapMb) / MANDATES,
      rssBeforeMb: before.rssMb, rssAfterMb: after.rssMb,
      cachedWorkflows: worker.getStatus().numCachedWorkflows,
    };
  } finally {
    worker.shutdown();
    await running;
    await Promise.all([connection.close(), nativeConnection.close()]);
    await temporal.stop();
  }
}

async function twentyFourCycles(db: Db, bundle: WorkflowBundleWithSourceMap) {
  const launcher = await installTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: launcher } } });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.values(mandateSearchAttributes)
      .map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type) as number])),
  });
  const taskQueue = 'bench-mandates-time-skipping';
  const worker = await createBillWorker({
    connection: env.nativeConnection, namespace: env.namespace ?? 'default', db, taskQueue, workflowBundle: bundle, billPosting, ledger,
  });
  const running = worker.run();
  try {
    const now = new Date(await env.currentTimeMs());
    const first = addDays(localDateAt(now, 'UTC'), 1);
    const input = mandate({ firstCollectionDate: formatLocalDate(first), endDate: formatLocalDate(addMonthsClamped(first, 23)), createdAt: now.toISOString() });
    const started = performance.now();
    const handle = await env.client.workflow.start('mandateWorkflow', { workflowId: mandateWorkflowId(input.mandateId), taskQueue, args: [input] });
    const result = await handle.result() as { collectionsCompleted: number; status: string };
    const seconds = (performance.now() - started) / 1000;
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    return { seconds, collectionsCompleted: result.collectionsCompleted, status: result.status, lastRunEvents: history.events?.length ?? 0 };
  } finally {
    worker.shutdown();
    await running;
    await env.teardown();
  }
}

export async function runMandatesBenchmark(): Promise<void> {
  const run = beginRun();
  installQuietTemporalRuntime();
  const postgres = await startPostgres({ temporary: true });
  const db = createDb({ url: postgres.url, poolMax: 20 });
  try {
    await migrateLatest(postgres.url);
    const bundle = await bundleBillWorkflows();
    const live = await liveMandates(db, bundle);
    const cycles = await twentyFourCycles(db, bundle);
    printTable(['measure', 'value', 'goal'], [
      ['memory (RSS) per cached mandate workflow (MB)', live.rssPerMandateMb.toFixed(3), `<= ${GOALS.memoryPerMandateMb}`],
      [`start ${MANDATES} mandates (s)`, live.startAllSeconds.toFixed(2), ''],
      [`until all ${MANDATES} wrote their row (s)`, live.allWrittenSeconds.toFixed(2), ''],
      ['24-cycle mandate, time-skipping (s)', cycles.seconds.toFixed(2), `< ${GOALS.twentyFourCyclesSeconds}`],
    ]);
    const path = await saveResult('mandates', run, { goals: GOALS, live, twentyFourCycles: cycles });
    console.log(`raw results: ${path}`);
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}
