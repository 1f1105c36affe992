// What a mandate and its collections look like to callers: the mandate workflow answers every
// Update and Query with these, its activities write them to the read model, and bill-service maps
// them (or the read-model rows, which hold the same fields) to billing.v1 messages.
import type { Frequency } from './schedule.ts';

export type MandateStatus = 'ACTIVE' | 'PAUSED' | 'PAST_DUE' | 'CANCELLED' | 'COMPLETED';
export type CollectionStatus = 'SCHEDULED' | 'AWAITING_APPROVAL' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'MISSED';

export interface MoneyView {
  /** Major units as a decimal string with the currency's decimals: "10.50". */
  amount: string;
  currency: string;
}

/** A Schedule as plain JSON (local dates as `YYYY-MM-DD`). */
export interface ScheduleView {
  anchor: string;
  anchorDay: number;
  frequency: Frequency;
  firstCycle: number;
  endDate: string | null;
}

export interface CollectionView {
  cycle: number;
  /** `YYYY-MM-DD`, local to the mandate's time zone. */
  dueDate: string;
  status: CollectionStatus;
  attempts: number;
  amount: MoneyView;
  paymentReference: string | null;
  failureReason: string | null;
  /** RFC 3339 UTC. */
  collectedAt: string | null;
}

/**
 * When and how a mandate collects, as every shape of it carries them: the workflow's input, the
 * checked terms of a new mandate and the view.
 */
export interface CollectionTerms {
  frequency: Frequency;
  /** `YYYY-MM-DD`, local to `timeZone`. */
  firstCollectionDate: string;
  endDate: string | null;
  timeZone: string;
  /** `HH:MM`, local. */
  collectionTime: string;
  autoExecution: boolean;
  reminderDaysBefore: number;
}

export interface MandateView extends CollectionTerms {
  id: string;
  customerId: string;
  status: MandateStatus;
  description: string;
  amount: MoneyView;
  pausedUntil: string | null;
  /** The schedule in force; with `nextCycle`, enough to list the next due dates (upcomingCollections). */
  schedule: ScheduleView;
  /** The first cycle that has not started yet. */
  nextCycle: number;
  collectionsCompleted: number;
  lastCollection: CollectionView | null;
  createdAt: string;
  updatedAt: string;
  /** Grows with every change; a read-model write older than the stored one is ignored. */
  revision: number;
}
