// Starting bills the way bill-service does, for tests.
import { randomUUID } from 'node:crypto';
import { BILL_TASK_QUEUE, billSearchAttributes, billWorkflowId } from '@billing/bills';
import type { BillWorkflowInput } from '@billing/bills';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { billWorkflow } from '../../src/workflows/bill.ts';

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

export async function startBill(client: Client, taskQueue = BILL_TASK_QUEUE, overrides: Partial<BillWorkflowInput> = {})
  : Promise<{ input: BillWorkflowInput; handle: WorkflowHandleWithFirstExecutionRunId<typeof billWorkflow> }> {
  const input = billInput(overrides);
  const handle = await client.workflow.start(billWorkflow, {
    workflowId: billWorkflowId(input.customerId, input.billingPeriod),
    taskQueue,
    args: [input],
    typedSearchAttributes: input.searchAttributes === false ? undefined : [
      { key: billSearchAttributes.customerId, value: input.customerId },
      { key: billSearchAttributes.billingPeriod, value: input.billingPeriod },
      { key: billSearchAttributes.currency, value: input.currency },
      { key: billSearchAttributes.status, value: 'OPEN' },
    ],
  });
  return { input, handle };
}
