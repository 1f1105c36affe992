import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  MANDATE_WORKFLOW_TYPE, approveCollectionUpdate, cancelUpdate, changeTermsUpdate, mandateQuery, mandateWorkflowId, pauseUpdate,
  resumeUpdate, type CollectionView, type MandateView, type MandateWorkflowInput, type TermsChange,
} from '@billing/mandates';

/** The mandate workflows as bill-service drives them: start one, send it a control, ask it. */
export function mandateWorkflows(temporal: Client, taskQueue: string) {
  const handle = (mandateId: string) => temporal.workflow.getHandle(mandateWorkflowId(mandateId));

  /**
   * A control whose workflow has finished (a cancelled or completed mandate) is refused as the
   * mandate's state, not as a missing bill: the generic mapping knows no mandates.
   */
  async function control<T>(mandateId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        throw new ConnectError(`mandate ${mandateId} has ended and accepts no more changes`, Code.FailedPrecondition, undefined, undefined, error);
      }
      throw error;
    }
  }

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

    changeTerms: (mandateId: string, change: TermsChange): Promise<MandateView> =>
      control(mandateId, () => handle(mandateId).executeUpdate(changeTermsUpdate, { args: [change] })),
    pause: (mandateId: string, resumeOn: string | null): Promise<MandateView> =>
      control(mandateId, () => handle(mandateId).executeUpdate(pauseUpdate, { args: [{ resumeOn }] })),
    resume: (mandateId: string): Promise<MandateView> =>
      control(mandateId, () => handle(mandateId).executeUpdate(resumeUpdate, { args: [] })),
    cancel: (mandateId: string): Promise<MandateView> =>
      control(mandateId, () => handle(mandateId).executeUpdate(cancelUpdate, { args: [] })),
    approve: (mandateId: string, cycle: number): Promise<CollectionView> =>
      control(mandateId, () => handle(mandateId).executeUpdate(approveCollectionUpdate, { args: [{ cycle }] })),
    /** The mandate as its workflow holds it. */
    describe: (mandateId: string): Promise<MandateView> => control(mandateId, () => handle(mandateId).query(mandateQuery)),
  };
}

export type MandateWorkflows = ReturnType<typeof mandateWorkflows>;
