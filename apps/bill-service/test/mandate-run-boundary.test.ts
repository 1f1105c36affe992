// Mandate controls at a run boundary, on the suite's real worker running the real mandate workflow.
// A daily mandate due now collects cycle 1 at once and continues as new. An Update in flight
// across that boundary reaches a run that has just closed, and Temporal answers it with
// WorkflowNotFoundError although the mandate is alive. The service's Temporal client here
// delivers chosen Updates to the mandate's first run, once it has closed, which is exactly what
// such an Update meets; a control must still be applied (once), never refused as "ended".
import { Code } from '@connectrpc/connect';
import type { WorkflowStartUpdateInput, WorkflowClientInterceptor } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { Frequency, MandateStatus } from '@billing/contracts';
import { mandateQuery, mandateWorkflowId } from '@billing/mandates';
import { newCustomer } from './support/bill-service.ts';
import { failureOf } from './support/failure.ts';
import { startTestMandateService, type TestMandateService } from './support/mandate-service.ts';

/** Workflow id → the closed run that the next Updates to it are delivered to. */
const staleRuns = new Map<string, { runId: string; attempts: 'first' | 'all' }>();
const delivered = new Set<string>();

/** Sends an Update to a closed run of its workflow: the first attempt of each Update id, or all of them. */
const deliverToClosedRun: WorkflowClientInterceptor = {
  async startUpdate(input: WorkflowStartUpdateInput, next) {
    const stale = staleRuns.get(input.workflowExecution.workflowId);
    const updateId = input.options.updateId ?? '';
    if (stale === undefined || (stale.attempts === 'first' && delivered.has(updateId))) return next(input);
    delivered.add(updateId);
    return next({ ...input, workflowExecution: { ...input.workflowExecution, runId: stale.runId } });
  },
};

let service: TestMandateService;
beforeAll(async () => {
  service = await startTestMandateService(undefined, { taskQueue: BILL_TASK_QUEUE, interceptors: [deliverToClosedRun] });
});
afterAll(async () => {
  await service?.close();
});

/** A daily mandate whose first collection is due now; answers once cycle 1 is collected and its run has continued as new. */
async function mandateAfterFirstCycle() {
  const customerId = newCustomer('boundary');
  const today = new Date().toISOString().slice(0, 10);
  const { mandate } = await service.mandates.createMandate({
    customerId, idempotencyKey: '', description: 'Daily plan', amount: '1.00', currency: 'USD', frequency: Frequency.DAILY,
    firstCollectionDate: today, timeZone: 'UTC', collectionTime: '00:00', autoExecution: true, reminderDaysBefore: 0,
  });
  const mandateId = mandate?.id ?? '';
  const handle = service.temporal.workflow.getHandle(mandateWorkflowId(mandateId));
  const { runId: firstRunId } = await handle.describe();
  const deadline = Date.now() + 30_000;
  while ((await handle.describe()).runId === firstRunId) {
    if (Date.now() > deadline) throw new Error('the mandate did not continue as new after its first cycle');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { customerId, mandateId, workflowId: mandateWorkflowId(mandateId), firstRunId };
}

it('applies a control whose Update reached the run that had just continued as new', async () => {
  const { customerId, mandateId, workflowId, firstRunId } = await mandateAfterFirstCycle();
  const handle = service.temporal.workflow.getHandle(workflowId);
  const before = await handle.query(mandateQuery);
  staleRuns.set(workflowId, { runId: firstRunId, attempts: 'first' });

  const paused = await service.mandates.pauseMandate({ customerId, mandateId });
  expect(paused.mandate).toMatchObject({ id: mandateId, status: MandateStatus.PAUSED, collectionsCompleted: 1 });
  const updated = await service.mandates.updateMandate({ customerId, mandateId, description: 'Daily plan, renamed' });
  expect(updated.mandate).toMatchObject({ status: MandateStatus.PAUSED, description: 'Daily plan, renamed' });
  const resumed = await service.mandates.resumeMandate({ customerId, mandateId });
  expect(resumed.mandate).toMatchObject({ status: MandateStatus.ACTIVE, description: 'Daily plan, renamed' });
  // Each control was applied once: one revision each.
  expect((await handle.query(mandateQuery)).revision).toBe(before.revision + 3);
  staleRuns.delete(workflowId);
  await handle.terminate('test over');
});

it('answers unavailable, never failed_precondition, while every attempt meets a closed run of a live mandate', async () => {
  const { customerId, mandateId, workflowId, firstRunId } = await mandateAfterFirstCycle();
  staleRuns.set(workflowId, { runId: firstRunId, attempts: 'all' });
  const failure = await failureOf(service.mandates.pauseMandate({ customerId, mandateId }));
  expect(failure.code).toBe(Code.Unavailable);
  staleRuns.delete(workflowId);
  // Nothing was applied: the mandate is as it was, and the same control now goes through.
  const paused = await service.mandates.pauseMandate({ customerId, mandateId });
  expect(paused.mandate?.status).toBe(MandateStatus.PAUSED);
  await service.temporal.workflow.getHandle(workflowId).terminate('test over');
});

it('refuses a control as ended only once the mandate workflow has really finished', async () => {
  const { customerId, mandateId, workflowId } = await mandateAfterFirstCycle();
  // Stopped from outside: the read model still says ACTIVE, the workflow is gone for good.
  await service.temporal.workflow.getHandle(workflowId).terminate('stopped by an operator');
  const failure = await failureOf(service.mandates.pauseMandate({ customerId, mandateId }));
  expect(failure.code).toBe(Code.FailedPrecondition);
  expect(failure.rawMessage).toBe(`mandate ${mandateId} has ended and accepts no more changes`);
});
