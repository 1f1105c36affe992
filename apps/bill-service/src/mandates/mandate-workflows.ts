import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Code, ConnectError } from '@connectrpc/connect';
import { workflowUpdates } from '../workflow-updates.ts';
import {
  MANDATE_WORKFLOW_TYPE, approveCollectionUpdate, cancelUpdate, changeTermsUpdate, mandateQuery, mandateWorkflowId, pauseUpdate,
  resumeUpdate, type CollectionView, type MandateView, type MandateWorkflowInput, type TermsChange,
} from '@billing/mandates';

/** The mandate workflows as bill-service drives them: start one, send it a control, ask it. */
export function mandateWorkflows(temporal: Client, taskQueue: string) {
  const handle = (mandateId: string) => temporal.workflow.getHandle(mandateWorkflowId(mandateId));

  const updates = workflowUpdates(temporal);
  /** A control goes to the mandate's workflow; once that has finished, the mandate has ended. */
  const target = (mandateId: string, updateId: string | undefined) => ({
    workflowId: mandateWorkflowId(mandateId),
    updateId,
    finished: () => new ConnectError(`mandate ${mandateId} has ended and accepts no more changes`, Code.FailedPrecondition),
  });

  return {
    /**
     * Starts the mandate's workflow; false when one with this id already exists (running or not):
     * the id is the mandate's, so a retried create never starts a second one.
     */
    async start(input: MandateWorkflowInput): Promise<boolean> {
      try {
        await temporal.workflow.start(MANDATE_WORKFLOW_TYPE, {
          workflowId: mandateWorkflowId(input.mandateId),
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // No search attributes here: the workflow sets them all, from its first task on.
        });
        return true;
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
        throw error;
      }
    },

    changeTerms: (mandateId: string, change: TermsChange, updateId?: string): Promise<MandateView> =>
      updates.execute(target(mandateId, updateId), changeTermsUpdate, change),
    pause: (mandateId: string, resumeOn: string | null, updateId?: string): Promise<MandateView> =>
      updates.execute(target(mandateId, updateId), pauseUpdate, { resumeOn }),
    resume: (mandateId: string, updateId?: string): Promise<MandateView> =>
      updates.execute(target(mandateId, updateId), resumeUpdate),
    cancel: (mandateId: string, updateId?: string): Promise<MandateView> =>
      updates.execute(target(mandateId, updateId), cancelUpdate),
    /** Null: a repeat of an approval applied so long ago that the workflow no longer holds its collection. */
    approve: (mandateId: string, cycle: number, updateId?: string): Promise<CollectionView | null> =>
      updates.execute(target(mandateId, updateId), approveCollectionUpdate, { cycle }),
    /** The mandate as its workflow holds it. */
    describe: async (mandateId: string): Promise<MandateView> => {
      try {
        return await handle(mandateId).query(mandateQuery);
      } catch (error) {
        // A query reaches a finished workflow too: not found means there is no workflow at all.
        if (error instanceof WorkflowNotFoundError) throw new ConnectError(`mandate ${mandateId} has no workflow`, Code.NotFound, undefined, undefined, error);
        throw error;
      }
    },
  };
}

export type MandateWorkflows = ReturnType<typeof mandateWorkflows>;
