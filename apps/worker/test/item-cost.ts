// What one line item costs the worker, on a real Temporal dev server and PostgreSQL:
//   pnpm --filter @billing/worker item-cost [items] [bills] [clients]
// Adds `items` items dealt round-robin over `bills` fresh bills, one `addLineItems` Update per item
// (what bill-service sends when adds to one bill do not overlap), `clients` at a time:
//
// 1. with the worker running workflows on this thread (`debugMode`), where a promise hook counts
//    the promises created in workflow code (the sandbox's own realm) per item. The SDK captures a
//    stack, source-mapped, for every one of them, so this count is a large part of the workflow
//    thread's CPU per item. ITEM_COST_SITES=1 also lists where they are created;
// 2. with the worker as production runs it (workflows on their own thread), for items/s and this
//    process's CPU per item (worker and the client sending the Updates together).
//
// Each twice: on the workflow bundle without the tracing interceptors (what a worker with tracing
// off runs) and on the one with them, with tracing off (spans made and dropped): the A/B of what
// bundling them costs while tracing is off.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { promiseHooks } from 'node:v8';
import { addLineItemsUpdate, billWorkflowId } from '@billing/bills';
import { createDb, migrateLatest } from '@billing/db';
import { startPostgres, startTemporal } from '@billing/devstack';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createBillWorker } from '../src/worker.ts';
import { bundleBillWorkflows } from '../src/bundle.ts';
import { billInput } from './support/bills.ts';

const [items = 600, bills = 200, clients = 16] = process.argv.slice(2).map(Number);
Runtime.install({ logger: new DefaultLogger('WARN') });

const [postgres, temporal, plain, traced] = await Promise.all([
  startPostgres({ temporary: true }), startTemporal(), bundleBillWorkflows({ tracing: false }), bundleBillWorkflows({ tracing: true }),
]);
await migrateLatest(postgres.url);
const db = createDb({ url: postgres.url, poolMax: 20 });
const nativeConnection = await NativeConnection.connect({ address: temporal.address });
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: temporal.namespace });

/** Promises created in any realm but this one: the workflow sandbox's. */
let sandboxPromises = 0;
/** ITEM_COST_SITES=1: where in workflow code they are created (the functions on the stack). */
const sites = process.env.ITEM_COST_SITES ? new Map<string, number>() : undefined;
const stopCounting = promiseHooks.createHook({
  init(promise) {
    if (Object.getPrototypeOf(promise) === Promise.prototype) return;
    sandboxPromises += 1;
    if (!sites) return;
    const frames = (new Error().stack ?? '').split('\n').slice(2, 7).map((line) => line.trim().replace(/^at /, '').replace(/ \(.*\)$/, ''));
    const site = frames.join(' < ');
    sites.set(site, (sites.get(site) ?? 0) + 1);
  },
});

async function run(inThread: boolean, tracing: boolean) {
  const label = `${inThread ? 'workflows on this thread' : 'workflows on their own thread'}, ${tracing ? 'tracing interceptors bundled' : 'no tracing interceptors'}`;
  const taskQueue = `item-cost-${randomUUID()}`;
  const worker = await createBillWorker({
    connection: nativeConnection, namespace: temporal.namespace, db, taskQueue, workflowBundle: tracing ? traced : plain, tracing, debugMode: inThread,
  });
  const running = worker.run();
  const handles = await Promise.all(Array.from({ length: bills }, async () => {
    const input = billInput();
    return client.workflow.start('billWorkflow', { workflowId: billWorkflowId(input.customerId, input.billingPeriod), taskQueue, args: [input] });
  }));
  // One item into every bill first: each run's opening is done before the measured items.
  const add = (index: number) => handles[index % bills]!.executeUpdate(addLineItemsUpdate, {
    args: [[{ idempotencyKey: `k-${index}`, description: `item ${index}`, amount: '1.00' }]], updateId: `item/${index}`,
  });
  await Promise.all(handles.map((_, index) => add(index)));

  sandboxPromises = 0;
  sites?.clear();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = bills;
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let index = next++; index < bills + items; index = next++) await add(index);
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const promises = sandboxPromises;
  if (sites && inThread) {
    for (const [site, count] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${(count / items).toFixed(2).padStart(6)}  ${site}`);
  }
  await Promise.all(handles.map((handle) => handle.terminate('measured')));
  worker.shutdown();
  await running;
  const cpuMsPerItem = (cpu.user + cpu.system) / 1000 / items;
  console.log(`${label}: ${items} items over ${bills} bills, ${clients} clients: ${(items / seconds).toFixed(1)} items/s, `
    + `${cpuMsPerItem.toFixed(2)} ms CPU per item (worker + client)${inThread ? `, ${(promises / items).toFixed(1)} promises per item in workflow code` : ''}`);
}

try {
  console.log(`load average before: ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  await run(true, false);
  await run(true, true);
  stopCounting();
  await run(false, false);
  await run(false, true);
  console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
} finally {
  await Promise.all([connection.close(), nativeConnection.close(), db.destroy()]);
  await Promise.all([temporal.stop(), postgres.stop()]);
}
