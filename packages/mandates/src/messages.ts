// The messages a mandate workflow answers, defined once beside their payloads so the workflow
// (apps/worker) and its callers (bill-service, tests, the benchmark) import the same definitions.
// Every control is an Update with a validator: the caller gets a yes or no and the mandate as it
// is after the change. A control never triggers a collection; only a due moment does.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Frequency } from './schedule.ts';
import type { CollectionView, MandateView } from './views.ts';

/** A change of terms, effective from the next collection that has not started. */
export interface TermsChange {
  amount?: string;
  currency?: string;
  description?: string;
  frequency?: Frequency;
  /** `YYYY-MM-DD`, or null to remove the end date. */
  endDate?: string | null;
}

export interface PauseRequest {
  /** `YYYY-MM-DD`: resume by itself at the start of that local day; null: until resumed. */
  resumeOn: string | null;
}

export interface ApproveRequest {
  cycle: number;
}

export const changeTermsUpdate = defineUpdate<MandateView, [TermsChange]>('changeTerms');
export const pauseUpdate = defineUpdate<MandateView, [PauseRequest]>('pause');
export const resumeUpdate = defineUpdate<MandateView, []>('resume');
export const cancelUpdate = defineUpdate<MandateView, []>('cancel');
/**
 * Answers the collection after the approval. A repeat of an approval the mandate applied already
 * answers the collection as it is now, or null once the workflow no longer holds it (a later
 * cycle has started): the read model has it.
 */
export const approveCollectionUpdate = defineUpdate<CollectionView | null, [ApproveRequest]>('approveCollection');
export const mandateQuery = defineQuery<MandateView>('mandate');
