// Starting bills the way bill-service does, for tests.
import { randomUUID } from 'node:crypto';
import { BILL_TASK_QUEUE, billWorkflowId } from '@billing/bills';
import type { BillWorkflowInput } from '@billing/bills';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { billWorkflow } from '../../src/workflows/bill.ts';

/** `YYYY-MM` of the month after `now`'s, in UTC: a period that has not ended. */
export function nextPeriod(now = new Date()): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return `${next.getUTCFullYear()}-${String(next.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function billInput(overrides: Partial<BillWorkflowInput> = {}): BillWorkflowInput {
  const unique = randomUUID().slice(0, 8);
  return {
    billId: `bill_${unique}`,
    customerId: `cust-${unique}`,
    billingPeriod: nextPeriod(),
    currency: 'USD',
    timeZone: 'UTC',
    createdAt: new Date().toISOString(),
    closeGraceMs: 0,
    ...overrides,
  };
}

/**
 * The workflow types a test can start: production's `billWorkflow`, or a wrapper from the test
 * bundle (test/workflows/index.ts) that runs it with other worker settings or a test-only query.
 */
export type BillWorkflowType = 'billWorkflow' | 'billWorkflowContinuingEarly' | 'billWorkflowDrawingRandomNumbers';

export async function startBill(client: Client, taskQueue = BILL_TASK_QUEUE, overrides: Partial<BillWorkflowInput> = {},
  workflowType: BillWorkflowType = 'billWorkflow')
  : Promise<{ input: BillWorkflowInput; handle: WorkflowHandleWithFirstExecutionRunId<typeof billWorkflow> }> {
  const input = billInput(overrides);
  // No search attributes here: the workflow sets them itself, as it does for bill-service.
  const handle = await client.workflow.start<typeof billWorkflow>(workflowType, {
    workflowId: billWorkflowId(input.customerId, input.billingPeriod),
    taskQueue,
    args: [input],
  });
  return { input, handle };
}
