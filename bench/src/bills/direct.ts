// The same line items sent straight to the bill workflows as Temporal Updates, two ways:
// - batched: through bill-service's own bill-workflows module (its group commit: concurrent adds
//   to one bill leave together as one addLineItems Update, with its retries), so the only
//   difference from the gateway path is the gateway, the gRPC hop and bill-service's request
//   handling around it: the like-for-like baseline;
// - one Update per item (addLineItem, update id `item/<key>`), what a naive client would send,
//   kept as a separately labelled line to show what group commit buys.
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { addLineItemUpdate, BILL_TASK_QUEUE, billWorkflowId } from '@billing/bills';
import { billWorkflows, loadEnv } from '@billing/bill-service';
import type { BenchItem } from './gateway.ts';
import type { Outcome } from './load.ts';

const GRPC_CODE_NAMES: Record<number, string> = {
  1: 'CANCELLED', 2: 'UNKNOWN', 3: 'INVALID_ARGUMENT', 4: 'DEADLINE_EXCEEDED', 5: 'NOT_FOUND', 6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED', 8: 'RESOURCE_EXHAUSTED', 9: 'FAILED_PRECONDITION', 10: 'ABORTED', 13: 'INTERNAL', 14: 'UNAVAILABLE',
};

/** The gRPC status when there is one (the client wraps it in a ServiceError), else the error's name. */
export function reasonOf(error: unknown): string {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (isGrpcServiceError(cause)) return `gRPC ${GRPC_CODE_NAMES[cause.code] ?? cause.code}`;
  }
  return error instanceof Error ? error.name : 'thrown';
}

const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

export async function directClient(address: string, namespace: string) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  const asBillService = billWorkflows(
    client, loadEnv({
      DATABASE_URL: 'unused', TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, BILLING_SERVICE_TOKEN: 'unused-by-the-workflow-client-only-path',
    }), quiet,
  );

  return {
    /** As bill-service sends it: coalesced per bill into addLineItems Updates. */
    async addItemBatched(item: BenchItem): Promise<Outcome> {
      try {
        await asBillService.addLineItem(
          { customerId: item.customerId, billingPeriod: item.billingPeriod },
          { idempotencyKey: item.idempotencyKey, description: item.description, amount: item.amount },
        );
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
    /** One addLineItem Update per item. */
    async addItem(item: BenchItem): Promise<Outcome> {
      const handle = client.workflow.getHandle(billWorkflowId(item.customerId, item.billingPeriod));
      try {
        await handle.executeUpdate(addLineItemUpdate, {
          args: [{ idempotencyKey: item.idempotencyKey, description: item.description, amount: item.amount }],
          updateId: `item/${item.idempotencyKey}`,
        });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: reasonOf(error) };
      }
    },
    /** Tasks waiting in these task queues (workflow + activity): their workers' backlog. */
    async backlog(taskQueues: readonly string[] = [BILL_TASK_QUEUE]): Promise<number> {
      let waiting = 0;
      for (const name of taskQueues) {
        for (const taskQueueType of [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY]) {
          const { stats } = await connection.workflowService.describeTaskQueue({
            namespace, taskQueue: { name }, taskQueueType, reportStats: true,
          });
          waiting += Number(stats?.approximateBacklogCount ?? 0);
        }
      }
      return waiting;
    },
    close: () => connection.close(),
  };
}

export type DirectClient = Awaited<ReturnType<typeof directClient>>;
