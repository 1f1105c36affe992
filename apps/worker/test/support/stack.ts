// A real Temporal dev server and a real PostgreSQL, migrated, with the bill worker running
// in-process on its own task queue and posting to a real LedgerService on loopback: what the
// workflow tests run against. The servers are the run's shared ones, the database and the task
// queue the file's own (servers.ts).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { createDb } from '@billing/db';
import type { Db } from '@billing/db';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import type { WorkflowBundle } from '@temporalio/worker';
import type { BillActivities } from '../../src/bills/bill-activities.ts';
import type { BillPostingPort } from '../../src/mandates/bill-posting.ts';
import { bundleBillWorkflows } from '../../src/bundle.ts';
import { createBillWorker } from '../../src/worker.ts';
import { startTestLedger, type TestLedger } from './ledger.ts';
import { freshDatabase, testTemporal } from './servers.ts';

export interface BillTestStack {
  client: Client;
  db: Db;
  taskQueue: string;
  databaseUrl: string;
  temporalAddress: string;
  ledger: TestLedger;
  stop(): Promise<void>;
}

/**
 * The test worker's workflows (production's plus test wrappers), bundled once per run by
 * global-setup.ts; bundled here when run outside vitest (record-histories.ts has no global setup).
 * Without the tracing interceptors, as a worker with tracing off runs them, unless `tracing`.
 */
export async function workflowBundle({ tracing = false } = {}): Promise<WorkflowBundle> {
  if (!process.env.VITEST) return bundleBillWorkflows({ workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)), tracing });
  const paths = inject('workflowBundlePaths');
  return { code: await readFile(tracing ? paths.traced : paths.untraced, 'utf8') };
}

let runtimeInstalled = false;

/** Keeps the SDK's own logs to warnings, so test output stays readable. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function startBillTestStack(options: { activities?: Partial<BillActivities>; billPosting?: BillPostingPort } = {}): Promise<BillTestStack> {
  quietTemporalRuntime();
  const [database, temporal, code] = await Promise.all([freshDatabase(), testTemporal(), workflowBundle()]);
  const db = createDb({ url: database.url, poolMax: 20 });
  const ledger = await startTestLedger(db);
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const taskQueue = `bills-${randomUUID()}`;
  const worker = await createBillWorker({
    connection: nativeConnection, namespace: temporal.namespace, db, taskQueue, workflowBundle: code, tracing: false,
    activities: options.activities, billPosting: options.billPosting, ledger: ledger.posting,
  });
  const running = worker.run();
  return {
    client, db, taskQueue, databaseUrl: database.url, temporalAddress: temporal.address, ledger,
    async stop() {
      worker.shutdown();
      await running;
      await ledger.stop();
      await Promise.all([connection.close(), nativeConnection.close(), db.destroy()]);
      await Promise.all([temporal.stop(), database.drop()]);
    },
  };
}
