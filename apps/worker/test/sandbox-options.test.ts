// The worker's two settings for the workflow sandbox, which this project's patch of
// @temporalio/worker adds (docs/operations.md): promise stacks for the `__stack_trace` query, off
// unless asked for, and the deadlock watchdog (one per activation), which 0 turns off. Real dev server, real
// workers on task queues of their own.
import { randomUUID } from 'node:crypto';
import { billSummaryQuery } from '@billing/bills';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBillWorker, type BillWorkerOptions } from '../src/worker.ts';
import { openBillV2 } from './support/bills.ts';
import { startBillTestStack, workflowBundle, type BillTestStack } from './support/stack.ts';

let stack: BillTestStack;
let connection: NativeConnection;

beforeAll(async () => {
  stack = await startBillTestStack();
  connection = await NativeConnection.connect({ address: stack.temporalAddress });
});

afterAll(async () => {
  await connection?.close();
  await stack?.stop();
});

/** Runs `body` with a worker of its own, on a task queue of its own, set as `options` say. */
async function withWorker<T>(
  options: Pick<BillWorkerOptions, 'workflowStackTraces' | 'deadlockTimeoutMs'>, body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `sandbox-${randomUUID()}`;
  const worker: Worker = await createBillWorker({
    connection, namespace: stack.client.options.namespace, db: stack.db, taskQueue, workflowBundle: await workflowBundle(), tracing: false, ...options,
  });
  return worker.runUntil(body(taskQueue));
}

/** Enough arithmetic to hold one workflow task far longer than 50 ms on any machine. */
const LONG_TASK_ITERATIONS = 300_000_000;

describe('workflow stack traces', () => {
  it('are off by default: the Stack Trace query says so, and the bill still answers its own queries', async () => {
    const { handle } = await openBillV2(stack);
    expect((await handle.query(billSummaryQuery)).status).toBe('OPEN');
    await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
    await handle.terminate('test done');
  });

  it('when asked for, the query shows where the bill waits', async () => {
    const stacks = await withWorker({ workflowStackTraces: true }, async (taskQueue) => {
      const { handle } = await openBillV2({ ...stack, taskQueue });
      expect((await handle.query(billSummaryQuery)).status).toBe('OPEN');
      const answer = await handle.query<string>('__stack_trace');
      await handle.terminate('test done');
      return answer;
    });
    // The bill's main loop waits in condition() until an item, a close or its timer wakes it.
    expect(stacks).toMatch(/runBill/);
  });
});

describe('the deadlock watchdog', () => {
  // The watchdog covers a whole activation: its jobs, the microtasks they queue, and the
  // conditions evaluated after them (one watchdog per activation, not one per call into the sandbox).
  it.each([
    { workflowType: 'busyWorkflow', where: 'in the workflow function' },
    { workflowType: 'busyAfterTimerWorkflow', where: 'in a continuation after a timer' },
    { workflowType: 'busyConditionWorkflow', where: 'in a condition' },
  ])('fails a task that holds the sandbox past its timeout $where, the workflow does not finish, and the worker goes on', async ({ workflowType }) => {
    const { history, after } = await withWorker({ deadlockTimeoutMs: 50 }, async (taskQueue) => {
      const handle = await stack.client.workflow.start(workflowType, { taskQueue, workflowId: `busy-${randomUUID()}`, args: [LONG_TASK_ITERATIONS] });
      // Wait for the first failed task, then stop the workflow: every retry would fail the same way.
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const events = (await handle.fetchHistory()).events ?? [];
        if (events.some((event) => event.workflowTaskFailedEventAttributes)) {
          await handle.terminate('test done');
          // The sandbox the stopped task ran in still serves the next workflow.
          const next = await stack.client.workflow.execute(workflowType, { taskQueue, workflowId: `short-${randomUUID()}`, args: [1_000] });
          return { history: events, after: next };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await handle.terminate('test done');
      throw new Error('the long task never failed');
    });
    const failed = history.find((event) => event.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
    // The SDK names it potential deadlock in its log; the failure carries the sandbox's own words.
    expect(failed?.failure?.message).toMatch(/timed out after 50ms/);
    expect(history.some((event) => event.workflowExecutionCompletedEventAttributes)).toBe(false);
    expect(after).toBeGreaterThan(0);
  });

  it('set to 0, lets the same task run to its end', async () => {
    const result = await withWorker({ deadlockTimeoutMs: 0 }, async (taskQueue) =>
      stack.client.workflow.execute('busyWorkflow', { taskQueue, workflowId: `busy-${randomUUID()}`, args: [LONG_TASK_ITERATIONS] }));
    expect(result).toBeGreaterThan(0);
  });
});

describe('sink calls', () => {
  // The patch hands an activation's sink calls to the main thread with its completion instead of
  // in a second message; the worker must still get every call, once, in order, with its workflow.
  it('reach the worker once each, in order, from every activation of the workflow that made them', async () => {
    const calls: Array<{ workflowId: string; round: number }> = [];
    const taskQueue = `sinks-${randomUUID()}`;
    const worker = await Worker.create({
      connection, namespace: stack.client.options.namespace, taskQueue, workflowBundle: await workflowBundle(),
      sinks: { probe: { record: { fn: (info, round: number) => { calls.push({ workflowId: info.workflowId, round }); } } } },
    });
    const workflowId = `sinks-${randomUUID()}`;
    await worker.runUntil(stack.client.workflow.execute('sinkProbeWorkflow', { taskQueue, workflowId, args: [3] }));
    expect(calls).toEqual([0, 1, 2, 3].map((round) => ({ workflowId, round })));
  });
});
