// The one way bill-service sends an Update to a workflow (bills, mandates, and whatever comes
// next). docs/idempotency.md says why each outcome is what it is.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage, isGrpcServiceError, type Client, type WorkflowUpdateHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';

const GRPC_RESOURCE_EXHAUSTED = 8;

/**
 * The server's rejection of an Update whose workflow task completed without the worker accepting
 * or rejecting it. Such an Update never reached the workflow's history, so sending it again is
 * safe. Seen on SDK 1.24 when more Updates than the server's in-flight limit reach a workflow that
 * is running a local activity (docs/bills.md, "The write is a local activity").
 */
function wasNotProcessed(error: unknown): boolean {
  return error instanceof WorkflowUpdateFailedError
    && error.cause instanceof ApplicationFailure && error.cause.type === 'UnprocessedUpdate';
}

/**
 * Pauses before each new attempt. Temporal allows ten Updates in flight per workflow, and a run
 * continues as new in milliseconds; both clear long before the caller's deadline.
 */
export const UPDATE_RETRY_DELAYS_MS: readonly number[] = [25, 50, 100, 200, 400, 800, 1_600];

export interface UpdateTarget {
  workflowId: string;
  /**
   * The Update's id: the workflow deduplicates on it, across continue-as-new where its workflow
   * carries the ids it applied. Every attempt of one send uses the same id; random when not given.
   */
  updateId?: string;
  /** The refusal when the workflow has really finished (its last run is closed and has no successor). */
  finished: () => ConnectError;
}

export interface WorkflowUpdatesOptions {
  retryDelaysMs?: readonly number[];
}

/**
 * Sends Updates so that only a decision of the workflow, or its real end, reaches the caller:
 *
 * - Temporal busy (RESOURCE_EXHAUSTED, too many Updates in flight), or the Update refused as
 *   never processed by a worker (`UnprocessedUpdate`, nothing of it in history): sent again
 *   after a pause; still refused at the end, the caller gets it (429, retry shortly).
 * - WorkflowNotFoundError: Temporal raises it for a workflow that has finished, but also for an
 *   Update lost as its run continued as new ("update … not found", or a run that closed under it).
 *   The workflow is described: still running, the Update is sent again (same id) to the run that
 *   is current now; closed without a successor (or gone), the caller gets `finished()`. Running
 *   still after every attempt: `unavailable`, which no idempotency key records.
 */
export function workflowUpdates(temporal: Client, options: WorkflowUpdatesOptions = {}) {
  const delays = options.retryDelaysMs ?? UPDATE_RETRY_DELAYS_MS;

  /** True when the workflow's latest run is closed for good (or the workflow is gone). */
  async function hasFinished(workflowId: string): Promise<boolean> {
    try {
      const { status } = await temporal.workflow.getHandle(workflowId).describe();
      return status.name !== 'RUNNING' && status.name !== 'CONTINUED_AS_NEW';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  }

  async function send<T>(target: UpdateTarget, attempt: (updateId: string) => Promise<T>): Promise<T> {
    const updateId = target.updateId ?? randomUUID();
    for (let retry = 0; ; retry += 1) {
      try {
        return await attempt(updateId);
      } catch (error) {
        const delay = delays[retry];
        if (error instanceof WorkflowNotFoundError) {
          if (await hasFinished(target.workflowId)) throw target.finished();
          if (delay === undefined) {
            throw new ConnectError('the workflow is moving to its next run; send the request again', Code.Unavailable, undefined, undefined, error);
          }
        } else if (wasNotProcessed(error)) {
          if (delay === undefined) throw new ConnectError('the workflow is busy; send the request again', Code.ResourceExhausted, undefined, undefined, error);
        } else if (!(isGrpcServiceError(error) && error.code === GRPC_RESOURCE_EXHAUSTED) || delay === undefined) {
          throw error;
        }
        await sleep(delay);
      }
    }
  }

  return {
    /** Sends the Update and waits for its result. */
    execute<Ret, Args extends unknown[], Name extends string>(
      target: UpdateTarget, update: UpdateDefinition<Ret, Args, Name>, ...args: Args
    ): Promise<Ret> {
      return send(target, (updateId) =>
        temporal.workflow.getHandle(target.workflowId).executeUpdate(anyArity(update), { args: anyArgs(args), updateId }));
    },

    /** Sends the Update and returns once the workflow has accepted it. */
    start<Ret, Args extends unknown[], Name extends string>(
      target: UpdateTarget, update: UpdateDefinition<Ret, Args, Name>, ...args: Args
    ): Promise<WorkflowUpdateHandle<Ret>> {
      return send(target, (updateId) => temporal.workflow.getHandle(target.workflowId)
        .startUpdate(anyArity(update), { args: anyArgs(args), updateId, waitForStage: WorkflowUpdateStage.ACCEPTED }));
    },
  };
}

// The client's overloads tell Updates with arguments from those without; both go out the same way.
const anyArity = <Ret, Args extends unknown[], Name extends string>(update: UpdateDefinition<Ret, Args, Name>) =>
  update as unknown as UpdateDefinition<Ret, [unknown], Name>;
const anyArgs = (args: unknown[]) => args as [unknown];

export type WorkflowUpdates = ReturnType<typeof workflowUpdates>;
