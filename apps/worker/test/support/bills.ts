// Starting bills the way bill-service does, for tests.
import { randomUUID } from 'node:crypto';
import { BILL_TASK_QUEUE, billWorkflowId, openingSearchAttributes, periodBounds } from '@billing/bills';
import type { Db } from '@billing/db';
import { insertBillIfMissing } from '../../src/bills/bill-repository.ts';
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
export type BillWorkflowType = 'billWorkflow' | 'billWorkflowContinuingEarly' | 'billWorkflowDrawingRandomNumbers' | 'billWorkflowShowingEveryTotal';
/** A bill workflow type bill-service opens, or its test wrapper continuing as new after a few items. */
export type BillWorkflowV2Type = 'billWorkflowV2' | 'billWorkflowV2ContinuingEarly' | 'billWorkflowV3' | 'billWorkflowV3ContinuingEarly';

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

/**
 * Opens a bill as bill-service does (a `billWorkflowV2` unless told): the opening search attributes with the start,
 * then the bill's row. `writeRow: false` stops after the start, as a bill-service that failed
 * there would; `searchAttributes: false` starts it without them.
 */
export async function openBillV2(stack: { client: Client; db: Db; taskQueue: string }, overrides: Partial<BillWorkflowInput> = {},
  options: { writeRow?: boolean; searchAttributes?: boolean; workflowType?: BillWorkflowV2Type } = {})
  : Promise<{ input: BillWorkflowInput; handle: WorkflowHandleWithFirstExecutionRunId<typeof billWorkflow> }> {
  const input = billInput(overrides);
  const workflowId = billWorkflowId(input.customerId, input.billingPeriod);
  const handle = await stack.client.workflow.start<typeof billWorkflow>(options.workflowType ?? 'billWorkflowV2', {
    workflowId,
    taskQueue: stack.taskQueue,
    args: [input],
    ...(options.searchAttributes === false ? {} : { typedSearchAttributes: openingSearchAttributes(input) }),
  });
  if (options.writeRow !== false) {
    const bounds = periodBounds(input.billingPeriod, input.timeZone);
    await insertBillIfMissing(stack.db, {
      billId: input.billId, customerId: input.customerId, billingPeriod: input.billingPeriod, currency: input.currency,
      timeZone: input.timeZone, periodStart: bounds.start.toISOString(), periodEnd: bounds.end.toISOString(), workflowId, createdAt: input.createdAt,
    });
  }
  return { input, handle };
}
