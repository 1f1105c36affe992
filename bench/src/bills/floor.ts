// The floor under the bills figures: bare Temporal doing the same shapes of work with trivial
// workflows (floor-workflows.ts), on the same dev server and in the same run, so every figure of
// ours can be read as a share of what Temporal itself reaches on this machine at that moment.
// The worker runs inside the benchmark's process with the bill worker's settings (100 activity
// slots, the same workflow sandbox settings, everything else the SDK's default) and no
// interceptors; its CPU is the `bench` process's.
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowIdReusePolicy } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { reasonOf } from './direct.ts';
import {
  activityUpdate, bareUpdate, floorWorkflow, ITEM_PAYLOAD_BYTES, itemSizedUpdate, localActivityUpdate, type FloorActivities,
} from './floor-workflows.ts';
import type { Outcome } from './load.ts';

export const FLOOR_TASK_QUEUE = 'bench-floor';

/** What one floor Update does inside the workflow. */
export type FloorUpdateKind = 'update' | 'update + activity' | 'update + local activity' | 'update + local activity, item-sized payloads';

const activities: FloorActivities = { nothing: () => Promise.resolve(), stored: (size) => Promise.resolve('s'.repeat(size)) };
const ARGUMENT = 'a'.repeat(ITEM_PAYLOAD_BYTES.argument);

export function bundleFloorWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./floor-workflows.ts', import.meta.url)),
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * The bill worker's sandbox settings (WORKER_WORKFLOW_STACK_TRACES, WORKER_DEADLOCK_TIMEOUT): the
 * floor runs with the same, so a setting moves ours and the floor alike and the ratio shows our code.
 */
export interface FloorSandbox {
  workflowStackTraces: boolean;
  deadlockTimeoutMs: number;
}

/** Starts the floor worker; the caller must `close()` it before Temporal stops. */
export async function startFloor(address: string, namespace: string, workflowBundle: WorkflowBundleWithSourceMap, sandbox: FloorSandbox) {
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue: FLOOR_TASK_QUEUE,
    workflowBundle,
    activities,
    maxConcurrentActivityTaskExecutions: 100,
    workflowStackTraces: sandbox.workflowStackTraces,
    isolateExecutionTimeout: sandbox.deadlockTimeoutMs,
  });
  // Kept settled, so a worker failure surfaces at close() rather than as an unhandled rejection.
  const running = worker.run().then(() => undefined, (error: unknown) => error);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });

  return {
    /** Starts one floor workflow, as bill-service starts a bill (same id reuse policy). */
    async start(workflowId: string): Promise<Outcome> {
      try {
        await client.workflow.start(floorWorkflow, {
          workflowId, taskQueue: FLOOR_TASK_QUEUE, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
    /** One Update to a running floor workflow, answered when the handler has finished. */
    async update(kind: FloorUpdateKind, workflowId: string): Promise<Outcome> {
      try {
        const handle = client.workflow.getHandle(workflowId);
        if (kind === 'update + local activity, item-sized payloads') await handle.executeUpdate(itemSizedUpdate, { args: [ARGUMENT] });
        else await handle.executeUpdate({ update: bareUpdate, 'update + activity': activityUpdate, 'update + local activity': localActivityUpdate }[kind]);
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
    async close(): Promise<void> {
      worker.shutdown();
      const failure = await running;
      await Promise.all([connection.close(), nativeConnection.close()]);
      if (failure !== undefined) throw failure;
    },
  };
}

export type Floor = Awaited<ReturnType<typeof startFloor>>;
