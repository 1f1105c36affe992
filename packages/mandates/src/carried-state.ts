// What one run of a mandate workflow hands the next at continue-as-new: everything the mandate
// is, besides its input (which never changes). Plain JSON, so it travels in the run's input.
import type { CollectionView, MandateStatus, MoneyView, ScheduleView } from './views.ts';

/** A cycle that has started and not ended: waiting for approval, or between dunning attempts. */
export interface CycleInProgress {
  /** The collection as it stands (status AWAITING_APPROVAL, or SCHEDULED between attempts). */
  collection: CollectionView;
  phase: 'AWAITING_APPROVAL' | 'APPROVED' | 'DUNNING';
  /** RFC 3339 UTC: the due moment, from which the approval deadline and the dunning retries count. */
  dueAt: string;
}

export interface CarriedMandateState {
  status: MandateStatus;
  /** The last ended cycle failed: the mandate shows PAST_DUE whenever it is not paused. */
  pastDue: boolean;
  description: string;
  amount: MoneyView;
  schedule: ScheduleView;
  nextCycle: number;
  pausedUntil: string | null;
  collectionsCompleted: number;
  lastCollection: CollectionView | null;
  current: CycleInProgress | null;
  /** The latest cycle whose reminder went out (0: none). */
  remindedCycle: number;
  revision: number;
  updatedAt: string;
  /**
   * The Updates (controls) this mandate applied lately, so a control sent again after a run
   * boundary is answered instead of applied twice. Absent in state carried by older runs.
   */
  appliedControls?: AppliedControl[];
}

/** A control the workflow applied: its Update id and when (RFC 3339 UTC). */
export interface AppliedControl {
  id: string;
  at: string;
}
