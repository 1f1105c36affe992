import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowIdReusePolicy, WorkflowUpdateStage, isGrpcServiceError, type Client,
} from '@temporalio/client';
import {
  addLineItemsUpdate, billWorkflowId, closeBillUpdate, isUpdateLostAtRunBoundary,
  type AddLineItemResult, type BillWorkflowInput, type LineItemInput,
} from '@billing/bills';
import { describeError, type GrpcLogger } from '@billing/grpc-kit';
import { createBatcher } from '@billing/runtime';
import { waitAtMost } from './wait-at-most.ts';
import type { BillServiceEnv } from '../env.ts';

const GRPC_RESOURCE_EXHAUSTED = 8;
// Temporal allows ten Updates in flight per workflow; a burst beyond that is retried briefly
// here before the caller sees 429, since the workflow drains them in milliseconds.
const BUSY_RETRIES = [25, 50, 100, 200, 400, 800, 1_600];

interface BillKey {
  customerId: string;
  billingPeriod: string;
}

/** The bill workflows as bill-service drives them: start, add an item, close. */
export function billWorkflows(temporal: Client, env: BillServiceEnv, logger: GrpcLogger) {
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const handle = (key: BillKey) => temporal.workflow.getHandle(billWorkflowId(key.customerId, key.billingPeriod));

  async function sendItems(key: BillKey, items: LineItemInput[]): Promise<AddLineItemResult[]> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await handle(key).executeUpdate(addLineItemsUpdate, { args: [items] });
      } catch (error) {
        const delay = BUSY_RETRIES[attempt];
        const retryable = isUpdateLostAtRunBoundary(error)
          || (isGrpcServiceError(error) && error.code === GRPC_RESOURCE_EXHAUSTED);
        if (!retryable || delay === undefined) throw error;
        await sleep(delay);
      }
    }
  }
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
      const update = await handle(key).startUpdate(closeBillUpdate, {
        args: [],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      // The caller is told CLOSING once the wait is over; a failure after that is logged, not lost.
      return waitAtMost(update.result(), env.BILL_CLOSE_WAIT, (error) => logger.error(
        { workflowId: update.workflowId, err: describeError(error, true) }, 'bill close failed after the caller was answered'));
    },
  };
}
