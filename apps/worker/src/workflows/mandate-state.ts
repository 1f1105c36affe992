// The mandate as its workflow holds it: terms, schedule, status and the cycle in progress, carried
// whole into the next run at continue-as-new, plus the collections changed since the last write
// to the read model. Pure and deterministic: the workflow does the I/O and supplies every instant;
// the state only changes through these methods, and every change bumps the revision the read
// model uses to ignore older writes.
import { compareLocalDates, formatLocalDate, localDateAt } from '@billing/calendar';
import {
  changeFrequency, dueDateOfCycle, firstCycleDueOnOrAfter, scheduleFrom, scheduleOf, scheduleView, withEndDate,
  type CarriedMandateState, type CollectionStatus, type CollectionView, type MandateView, type MandateWorkflowInput,
  type Schedule, type TermsChange,
} from '@billing/mandates';
import { dueMoment, localDate, nextStep, plannedCollection, type MandateSettings, type MandateStep } from './mandate-plan.ts';

/** Cycles skipped as one range (a long pause of a daily mandate would make a long list). */
export interface SkippedCycles {
  fromCycle: number;
  toCycle: number;
}

/** One write to the read model: the mandate, the collections changed, cycles skipped. */
export interface MandateChanges {
  view: MandateView;
  collections: CollectionView[];
  skipped: SkippedCycles | null;
}

export class MandateState {
  readonly #input: MandateWorkflowInput;
  #state: CarriedMandateState;
  #changed = new Map<number, CollectionView>();
  #skipped: SkippedCycles | null = null;
  /** A charge attempt is at the provider: its answer ends or continues the cycle, whatever controls came meanwhile. */
  #charging = false;
  /** Cycles that ended in this run: the workflow continues as new after one. */
  #cyclesEndedThisRun = 0;

  constructor(input: MandateWorkflowInput) {
    this.#input = input;
    this.#state = input.carried ?? {
      status: 'ACTIVE', pastDue: false, description: input.description,
      amount: { amount: input.amount, currency: input.currency },
      schedule: scheduleView(scheduleFrom(localDate(input.firstCollectionDate), input.frequency,
        input.endDate === null ? null : localDate(input.endDate))),
      nextCycle: 1, pausedUntil: null, collectionsCompleted: 0, lastCollection: null, current: null, remindedCycle: 0,
      revision: 1, updatedAt: input.createdAt,
    };
  }

  get status() {
    return this.#state.status;
  }

  get revision(): number {
    return this.#state.revision;
  }

  get cyclesEndedThisRun(): number {
    return this.#cyclesEndedThisRun;
  }

  get current() {
    return this.#state.current;
  }

  nextStep(settings: MandateSettings, now: number): MandateStep {
    return nextStep(this.#input, this.#state, settings, now);
  }

  plannedCollection(): Date | null {
    return plannedCollection(this.#input, this.#state);
  }

  isOver(): boolean {
    return this.#state.status === 'CANCELLED' || this.#state.status === 'COMPLETED';
  }

  // --- controls ----------------------------------------------------------------------------------

  /** A checked change, effective from the first cycle that has not started. */
  changeTerms(change: TermsChange, at: Date): void {
    const state = this.#state;
    let schedule = scheduleOf(state.schedule);
    if (change.frequency !== undefined && change.frequency !== schedule.frequency) {
      schedule = this.#firstOccurrenceAfter(changeFrequency(schedule, state.nextCycle, change.frequency), at);
    }
    if (change.endDate !== undefined) schedule = withEndDate(schedule, change.endDate === null ? null : localDate(change.endDate));
    this.#change(at, {
      description: change.description ?? state.description,
      amount: { amount: change.amount ?? state.amount.amount, currency: change.currency ?? state.amount.currency },
      schedule: scheduleView(schedule),
    });
  }

  /** Pauses; a collection awaiting approval is skipped, dunning waits until the mandate resumes. */
  pause(resumeOn: string | null, at: Date): void {
    const current = this.#state.current;
    if (current && current.phase !== 'DUNNING' && !this.#charging) {
      this.#endCycle({ ...current.collection, status: 'SKIPPED' }, at, this.#state.pastDue);
    }
    this.#change(at, { status: 'PAUSED', pausedUntil: resumeOn });
  }

  /**
   * Resumes: cycles due before today (local) are SKIPPED; the next is the first due today or later,
   * and if its moment has passed it runs at once (only that one).
   */
  resume(at: Date): void {
    const state = this.#state;
    const today = localDateAt(at, this.#input.timeZone);
    const schedule = scheduleOf(state.schedule);
    const next = firstCycleDueOnOrAfter(schedule, state.nextCycle, today);
    if (next > state.nextCycle) {
      this.#skipped = { fromCycle: Math.min(this.#skipped?.fromCycle ?? state.nextCycle, state.nextCycle), toCycle: next - 1 };
    }
    this.#change(at, { status: state.pastDue ? 'PAST_DUE' : 'ACTIVE', pausedUntil: null, nextCycle: next });
  }

  cancel(at: Date): void {
    const current = this.#charging ? null : this.#state.current;
    if (current && current.phase === 'AWAITING_APPROVAL') this.#endCycle({ ...current.collection, status: 'SKIPPED' }, at, this.#state.pastDue);
    else if (current && current.phase === 'DUNNING') this.#endCycle({ ...current.collection, status: 'FAILED' }, at, true);
    this.#change(at, { status: 'CANCELLED', pausedUntil: null });
  }

  approve(at: Date): CollectionView {
    const current = this.#state.current;
    if (!current || current.phase !== 'AWAITING_APPROVAL') throw new Error('no collection awaits approval');
    this.#change(at, { current: { ...current, phase: 'APPROVED' } });
    return current.collection;
  }

  // --- the work ----------------------------------------------------------------------------------

  reminded(cycle: number, at: Date): void {
    this.#change(at, { remindedCycle: cycle });
  }

  /**
   * Starts the next cycle at its due moment, with the terms in force now. A cycle still in
   * progress ends first: its dunning as FAILED, its approval as MISSED (no two cycles overlap).
   * Returns the collection: AWAITING_APPROVAL for a manual mandate, SCHEDULED to collect now otherwise.
   */
  startCycle(at: Date): CollectionView {
    const state = this.#state;
    const current = state.current;
    if (current) {
      const ended: CollectionStatus = current.phase === 'DUNNING' ? 'FAILED' : 'MISSED';
      this.#endCycle({ ...current.collection, status: ended }, at, ended === 'FAILED' || state.pastDue);
    }
    const cycle = this.#state.nextCycle;
    const collection: CollectionView = {
      cycle, dueDate: formatLocalDate(dueDateOfCycle(scheduleOf(state.schedule), cycle)),
      status: this.#input.autoExecution ? 'SCHEDULED' : 'AWAITING_APPROVAL', attempts: 0, amount: { ...state.amount },
      paymentReference: null, failureReason: null, collectedAt: null,
    };
    const dueAt = dueMoment(this.#input, state, cycle).toISOString();
    this.#changed.set(cycle, collection);
    this.#change(at, {
      nextCycle: cycle + 1,
      current: { collection, phase: this.#input.autoExecution ? 'DUNNING' : 'AWAITING_APPROVAL', dueAt },
    });
    return collection;
  }

  /** The approved (or automatic) collection is being charged: from now on declines follow dunning. */
  charging(at: Date): CollectionView {
    const current = this.#state.current;
    if (!current) throw new Error('no cycle in progress');
    this.#charging = true;
    if (current.phase !== 'DUNNING') this.#change(at, { current: { ...current, phase: 'DUNNING' } });
    return current.collection;
  }

  succeeded(reference: string, at: Date): CollectionView {
    this.#charging = false;
    const collection = this.#attempted({ status: 'SUCCEEDED', paymentReference: reference, failureReason: null, collectedAt: at.toISOString() });
    this.#endCycle(collection, at, false);
    this.#state = { ...this.#state, collectionsCompleted: this.#state.collectionsCompleted + 1 };
    return collection;
  }

  /** A decline: retried after the next dunning interval, or FAILED (and the mandate PAST_DUE) after the last. */
  declined(reference: string, reason: string, settings: MandateSettings, at: Date): CollectionView {
    const current = this.#state.current;
    if (!current) throw new Error('no cycle in progress');
    this.#charging = false;
    // A mandate cancelled while the charge was out stops dunning: the cycle ends here.
    const exhausted = current.collection.attempts >= settings.dunningRetriesMs.length || this.isOver();
    const collection = this.#attempted({ status: exhausted ? 'FAILED' : 'SCHEDULED', paymentReference: reference, failureReason: reason });
    if (exhausted) this.#endCycle(collection, at, true);
    else this.#change(at, { current: { ...current, collection } });
    return collection;
  }

  /** The approval deadline passed. */
  missed(at: Date): void {
    const current = this.#state.current;
    if (!current) throw new Error('no cycle in progress');
    this.#endCycle({ ...current.collection, status: 'MISSED' }, at, this.#state.pastDue);
  }

  complete(at: Date): void {
    this.#change(at, { status: 'COMPLETED' });
  }

  // --- views -------------------------------------------------------------------------------------

  view(): MandateView {
    const { carried: _carried, ...input } = this.#input;
    const s = this.#state;
    return {
      id: input.mandateId, customerId: input.customerId, status: s.status, description: s.description, amount: { ...s.amount },
      frequency: s.schedule.frequency, firstCollectionDate: input.firstCollectionDate, endDate: s.schedule.endDate,
      timeZone: input.timeZone, collectionTime: input.collectionTime, autoExecution: input.autoExecution,
      reminderDaysBefore: input.reminderDaysBefore, pausedUntil: s.pausedUntil, schedule: s.schedule, nextCycle: s.nextCycle,
      collectionsCompleted: s.collectionsCompleted, lastCollection: s.current?.collection ?? s.lastCollection,
      createdAt: input.createdAt, updatedAt: s.updatedAt, revision: s.revision,
    };
  }

  /** The collection of `cycle` if this state still knows it (the one in progress or the last one). */
  collection(cycle: number): CollectionView | undefined {
    const s = this.#state;
    if (s.current?.collection.cycle === cycle) return s.current.collection;
    return s.lastCollection?.cycle === cycle ? s.lastCollection : undefined;
  }

  /** Takes what changed since the last take, for one write to the read model. */
  takeChanges(): MandateChanges {
    const changes = { view: this.view(), collections: [...this.#changed.values()], skipped: this.#skipped };
    this.#changed = new Map();
    this.#skipped = null;
    return changes;
  }

  carry(): CarriedMandateState {
    return this.#state;
  }

  /** `YYYY-MM-DD` of cycle `cycle` under the schedule in force. */
  dueDateOf(cycle: number): string {
    return formatLocalDate(dueDateOfCycle(scheduleOf(this.#state.schedule), cycle));
  }

  /** True when `date` (YYYY-MM-DD) is after today in the mandate's time zone. */
  isAfterToday(date: string, at: Date): boolean {
    return compareLocalDates(localDate(date), localDateAt(at, this.#input.timeZone)) > 0;
  }

  // --- internals ---------------------------------------------------------------------------------

  /**
   * A new frequency may put its first cycle's moment in the past (weekly after a monthly cycle
   * collected ten days ago): it starts at its first occurrence after the change instead, because
   * a control must never make a collection due at once.
   */
  #firstOccurrenceAfter(schedule: Schedule, at: Date): Schedule {
    const nextCycle = this.#state.nextCycle;
    const probe = { ...this.#state, schedule: scheduleView(schedule) };
    let cycle = nextCycle;
    while (dueMoment(this.#input, probe, cycle).getTime() <= at.getTime()) cycle += 1;
    if (cycle === nextCycle) return schedule;
    return { ...schedule, anchor: dueDateOfCycle(schedule, cycle), firstCycle: nextCycle };
  }

  #attempted(fields: Partial<CollectionView>): CollectionView {
    const current = this.#state.current;
    if (!current) throw new Error('no cycle in progress');
    const collection = { ...current.collection, ...fields, attempts: current.collection.attempts + 1 };
    this.#changed.set(collection.cycle, collection);
    return collection;
  }

  #endCycle(collection: CollectionView, at: Date, pastDue: boolean): void {
    this.#changed.set(collection.cycle, collection);
    this.#cyclesEndedThisRun += 1;
    const status = this.#state.status === 'PAUSED' || this.isOver() ? this.#state.status : pastDue ? 'PAST_DUE' : 'ACTIVE';
    this.#change(at, { current: null, lastCollection: collection, pastDue, status });
  }

  #change(at: Date, fields: Partial<CarriedMandateState>): void {
    this.#state = { ...this.#state, ...fields, revision: this.#state.revision + 1, updatedAt: at.toISOString() };
  }
}
