import { Code, ConnectError } from '@connectrpc/connect';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import {
  addLineItemsUpdate, billWorkflowId, closeBillUpdate, type AddLineItemResult, type BillWorkflowInput, type LineItemInput,
} from '@billing/bills';
import { describeError, type GrpcLogger } from '@billing/grpc-kit';
import { createBatcher } from '@billing/runtime';
import { waitAtMost } from './wait-at-most.ts';
import { workflowUpdates } from '../workflow-updates.ts';
import type { BillServiceEnv } from '../env.ts';

interface BillKey {
  customerId: string;
  billingPeriod: string;
}

/** The bill workflows as bill-service drives them: start, add an item, close. */
export function billWorkflows(temporal: Client, env: BillServiceEnv, logger: GrpcLogger) {
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const updates = workflowUpdates(temporal);
  // Items carry their idempotency keys, which the workflow deduplicates across runs: a batch sent
  // again after a run boundary stores nothing twice.
  const target = (key: BillKey) => ({
    workflowId: billWorkflowId(key.customerId, key.billingPeriod),
    finished: () => new ConnectError('the bill is no longer open', Code.FailedPrecondition),
  });

  const sendItems = (key: BillKey, items: LineItemInput[]): Promise<AddLineItemResult[]> =>
    updates.execute(target(key), addLineItemsUpdate, items);
  const batcher = createBatcher((key: BillKey) => billWorkflowId(key.customerId, key.billingPeriod), sendItems);

  return {
    async start(input: Omit<BillWorkflowInput, 'closeGraceMs'>): Promise<string> {
      const workflowId = billWorkflowId(input.customerId, input.billingPeriod);
      await temporal.workflow.start('billWorkflow', {
        workflowId,
        taskQueue,
        args: [{ ...input, closeGraceMs: env.BILL_CLOSE_GRACE } satisfies BillWorkflowInput],
        // The id is the bill's key: a second bill for the same customer and period is refused
        // even after the first one's workflow has finished.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        // No search attributes here: the workflow sets them all, from its first task on.
      });
      return workflowId;
    },

    /** Adds one item; concurrent adds to the same bill travel together (see @billing/runtime's batcher). */
    addLineItem(key: BillKey, item: LineItemInput): Promise<AddLineItemResult> {
      return batcher.add(key, item);
    },

    /** Asks the bill to close and waits up to BILL_CLOSE_WAIT; returns whether it finished. */
    async close(key: BillKey): Promise<boolean> {
      const update = await updates.start(target(key), closeBillUpdate);
      // The caller is told CLOSING once the wait is over; a failure after that is logged, not lost.
      return waitAtMost(update.result(), env.BILL_CLOSE_WAIT, (error) => logger.error(
        { workflowId: update.workflowId, err: describeError(error, true) }, 'bill close failed after the caller was answered'));
    },
  };
}
