// A stand-in for the worker's mandateWorkflow, for bill-service's own tests only: it answers the
// mandate messages (@billing/mandates) the way the real workflow's contract says, but writes
// nothing, so a test can tell an answer taken from the Update's result from one read back from
// the read model. The real workflow is exercised through the whole stack in tests/system.
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  MANDATE_FAILURE_TYPES, approveCollectionUpdate, cancelUpdate, changeTermsUpdate, mandateQuery, pauseUpdate, resumeUpdate,
  type MandateView, type MandateWorkflowInput, type PauseRequest,
} from '@billing/mandates';

/** What the stand-in puts in `description` after a change, so a test sees the answer came from here. */
export const STAND_IN_MARK = ' (answered by the workflow)';

export async function mandateWorkflow(input: MandateWorkflowInput): Promise<void> {
  const view: MandateView = {
    id: input.mandateId, customerId: input.customerId, status: 'ACTIVE', description: input.description,
    amount: { amount: input.amount, currency: input.currency }, frequency: input.frequency,
    firstCollectionDate: input.firstCollectionDate, endDate: input.endDate, timeZone: input.timeZone,
    collectionTime: input.collectionTime, autoExecution: input.autoExecution, reminderDaysBefore: input.reminderDaysBefore,
    pausedUntil: null,
    schedule: { anchor: input.firstCollectionDate, anchorDay: Number(input.firstCollectionDate.slice(8)), frequency: input.frequency, firstCycle: 1, endDate: input.endDate },
    nextCycle: 1, collectionsCompleted: 0, lastCollection: null, createdAt: input.createdAt, updatedAt: input.createdAt, revision: 0,
  };
  const changed = () => {
    view.revision += 1;
    return { ...view };
  };
  const refuse = (message: string) => ApplicationFailure.create({ type: MANDATE_FAILURE_TYPES.failedPrecondition, message, nonRetryable: true });
  setHandler(mandateQuery, () => view);
  setHandler(changeTermsUpdate, (change) => {
    if (change.amount !== undefined) view.amount = { amount: change.amount, currency: change.currency ?? view.amount.currency };
    if (change.description !== undefined) view.description = change.description;
    view.description += STAND_IN_MARK;
    if (change.endDate !== undefined) view.endDate = change.endDate;
    return changed();
  });
  const notPaused = (_request: PauseRequest): void => {
    if (view.status === 'PAUSED') throw refuse('the mandate is already paused');
  };
  const paused = (): void => {
    if (view.status !== 'PAUSED') throw refuse('the mandate is not paused');
  };
  setHandler(pauseUpdate, (request: PauseRequest) => {
    view.status = 'PAUSED';
    view.pausedUntil = request.resumeOn;
    return changed();
  }, { validator: notPaused });
  setHandler(resumeUpdate, () => {
    view.status = 'ACTIVE';
    view.pausedUntil = null;
    return changed();
  }, { validator: paused });
  setHandler(cancelUpdate, () => {
    view.status = 'CANCELLED';
    return changed();
  });
  setHandler(approveCollectionUpdate, ({ cycle }) => {
    if (cycle !== 1) throw ApplicationFailure.create({ type: MANDATE_FAILURE_TYPES.notFound, message: `no cycle ${cycle}`, nonRetryable: true });
    return {
      cycle, dueDate: input.firstCollectionDate, status: 'SUCCEEDED', attempts: 1, amount: view.amount,
      paymentReference: 'sim_stand_in', failureReason: null, collectedAt: '2031-01-31T00:00:01.000Z',
    };
  });
  await condition(() => view.status === 'CANCELLED');
}
