import { Code, ConnectError } from '@connectrpc/connect';
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { fromPayloadsAtIndex } from '@temporalio/common';
import {
  addLineItemsUpdate, billWorkflowId, closeBillUpdate, openingSearchAttributes, type AddLineItemResult, type BillWorkflowInput,
  type LineItemInput,
} from '@billing/bills';
import { describeError, type GrpcLogger } from '@billing/grpc-kit';
import { createBatcher } from '@billing/runtime';
import { closeWaitMs } from '../deadlines.ts';
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
  // A second Update to a bill leaves at once only when it is full: a partial batch waits for the one
  // in flight and leaves with everything that arrived meanwhile, so a busy bill's items share as few
  // Updates (workflow tasks, local-activity writes) as they can (docs/bills.md, "Group commit").
  const batcher = createBatcher((key: BillKey) => billWorkflowId(key.customerId, key.billingPeriod), sendItems, { parallelOnlyWhenFull: true });

  return {
    /**
     * Starts the bill's workflow, a `billWorkflowV3`: the caller writes the bill's row once this
     * returns, and the opening search attributes travel with the start, so the workflow's first
     * task has nothing to write (docs/bills.md, "Creating a bill").
     */
    async start(input: Omit<BillWorkflowInput, 'closeGraceMs'>): Promise<string> {
      const workflowId = billWorkflowId(input.customerId, input.billingPeriod);
      const args = { ...input, closeGraceMs: env.BILL_CLOSE_GRACE } satisfies BillWorkflowInput;
      await temporal.workflow.start('billWorkflowV3', {
        workflowId,
        taskQueue,
        args: [args],
        // The id is the bill's key: a second bill for the same customer and period is refused
        // even after the first one's workflow has finished.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: openingSearchAttributes(args),
      });
      return workflowId;
    },

    /**
     * The input the period's running (or last) workflow run was started with, from the first event
     * of its history; undefined when the period has no workflow. One small read: the page holds one event.
     */
    async recordedInput(key: BillKey): Promise<BillWorkflowInput | undefined> {
      const { history } = await temporal.workflowService.getWorkflowExecutionHistory({
        namespace: temporal.options.namespace,
        execution: { workflowId: billWorkflowId(key.customerId, key.billingPeriod) },
        maximumPageSize: 1,
      });
      const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      if (!payloads) return undefined;
      return fromPayloadsAtIndex<BillWorkflowInput>(temporal.options.loadedDataConverter.payloadConverter, 0, payloads);
    },

    /** Adds one item; concurrent adds to the same bill travel together (see @billing/runtime's batcher). */
    addLineItem(key: BillKey, item: LineItemInput): Promise<AddLineItemResult> {
      return batcher.add(key, item);
    },

    /**
     * Asks the bill to close and waits up to BILL_CLOSE_WAIT, and at most half of the caller's
     * remaining deadline (`closeWaitMs`); returns whether it finished.
     */
    async close(key: BillKey, callerRemainingMs?: number): Promise<boolean> {
      const update = await updates.start(target(key), closeBillUpdate);
      // The caller is told CLOSING once the wait is over; a failure after that is logged, not lost.
      return waitAtMost(update.result(), closeWaitMs(env.BILL_CLOSE_WAIT, callerRemainingMs), (error) => logger.error(
        { workflowId: update.workflowId, err: describeError(error, true) }, 'bill close failed after the caller was answered'));
    },
  };
}
