// Builds the bill worker; main.ts owns the process around it, tests build their own.
import { BILL_TASK_QUEUE } from '@billing/bills';
import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { Db } from '@billing/db';
import { createActivities } from './activities.ts';
import type { BillActivities } from './activities.ts';

export interface BillWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  taskQueue?: string;
  /** Prebuilt bundle (production, tests); without it the worker bundles from `workflowsPath`. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflowsPath?: string;
  /** Replace single activities, e.g. to simulate a failure in a test. */
  activities?: Partial<BillActivities>;
}

export async function createBillWorker(options: BillWorkerOptions): Promise<Worker> {
  const source = options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: options.workflowsPath };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? BILL_TASK_QUEUE,
    ...source,
    activities: { ...createActivities({ db: options.db }), ...options.activities },
    // Many messages to one bill arrive together; let them share workflow tasks and activity slots.
    maxConcurrentActivityTaskExecutions: 100,
  });
}
