// What a mandate waits for next, from its state and the worker's settings: a pure function, so the
// workflow's one wait is "until this moment, or until a control changes the state" and a control
// can never start a collection by waking the loop (it only makes the loop ask again).
import { addDays, parseLocalDate, parseLocalTime, startOfLocalDay, type LocalDate } from '@billing/calendar';
import {
  collectionMoment, dueDateOfCycle, isScheduled, reminderDate, scheduleOf, type CarriedMandateState, type MandateWorkflowInput,
} from '@billing/mandates';

/** Decided by the worker (its environment), read once per run. */
export interface MandateSettings {
  /** Retries of a declined charge, each counted from the cycle's due moment (default 1, 3 and 5 days). */
  dunningRetriesMs: number[];
  /** How long a manual collection awaits approval after its due moment before it is MISSED. */
  approvalWindowMs: number;
}

export type MandateStep =
  /** Cancelled or completed: the workflow ends. */
  | { kind: 'finished' }
  /** Nothing is due until a control comes (paused until resumed). */
  | { kind: 'idle' }
  | { kind: 'resume'; at: number }
  | { kind: 'remind'; cycle: number; at: number }
  /** Cycle `cycle`'s due moment: collect it (or, for a manual mandate, ask for approval). */
  | { kind: 'start'; cycle: number; at: number }
  | { kind: 'collectApproved'; at: number }
  | { kind: 'retry'; at: number }
  | { kind: 'deadline'; at: number }
  | { kind: 'complete'; at: number };

export function localDate(text: string): LocalDate {
  const date = parseLocalDate(text);
  if (!date) throw new RangeError(`${JSON.stringify(text)} is not a YYYY-MM-DD date`);
  return date;
}

/** The instant cycle `cycle` of this state's schedule is due. */
export function dueMoment(input: MandateWorkflowInput, state: CarriedMandateState, cycle: number): Date {
  const time = parseLocalTime(input.collectionTime);
  if (!time) throw new RangeError(`collection time ${input.collectionTime} is not HH:MM`);
  return collectionMoment(dueDateOfCycle(scheduleOf(state.schedule), cycle), time, input.timeZone);
}

function reminderMoment(input: MandateWorkflowInput, state: CarriedMandateState, cycle: number): number {
  const time = parseLocalTime(input.collectionTime);
  if (!time) throw new RangeError(`collection time ${input.collectionTime} is not HH:MM`);
  const due = dueDateOfCycle(scheduleOf(state.schedule), cycle);
  return collectionMoment(reminderDate(due, input.reminderDaysBefore), time, input.timeZone).getTime();
}

/** The next thing to do; among steps due at the same moment, the cycle in progress goes first. */
export function nextStep(input: MandateWorkflowInput, state: CarriedMandateState, settings: MandateSettings, now: number): MandateStep {
  if (state.status === 'CANCELLED' || state.status === 'COMPLETED') return { kind: 'finished' };
  if (state.status === 'PAUSED') {
    return state.pausedUntil === null
      ? { kind: 'idle' }
      : { kind: 'resume', at: startOfLocalDay(localDate(state.pausedUntil), input.timeZone).getTime() };
  }
  const steps: MandateStep[] = [];
  const current = state.current;
  if (current) {
    const dueAt = new Date(current.dueAt).getTime();
    if (current.phase === 'APPROVED') return { kind: 'collectApproved', at: now };
    if (current.phase === 'AWAITING_APPROVAL') steps.push({ kind: 'deadline', at: dueAt + settings.approvalWindowMs });
    else steps.push({ kind: 'retry', at: dueAt + (settings.dunningRetriesMs[current.collection.attempts - 1] ?? 0) });
  }
  const schedule = scheduleOf(state.schedule);
  const cycle = state.nextCycle;
  if (isScheduled(schedule, cycle)) {
    if (!input.autoExecution && state.remindedCycle < cycle) steps.push({ kind: 'remind', cycle, at: reminderMoment(input, state, cycle) });
    steps.push({ kind: 'start', cycle, at: dueMoment(input, state, cycle).getTime() });
  } else if (!current) {
    // No cycle falls on or before the end date any more: complete once that date is over.
    const end = schedule.endDate;
    steps.push({ kind: 'complete', at: end === null ? now : startOfLocalDay(addDays(end, 1), input.timeZone).getTime() });
  }
  return steps.reduce((earliest, step) => ('at' in step && 'at' in earliest && step.at < earliest.at ? step : earliest));
}

/** The moment of the next collection the mandate plans, for the MandateNextCollection search attribute. */
export function plannedCollection(input: MandateWorkflowInput, state: CarriedMandateState): Date | null {
  if (state.status !== 'ACTIVE' && state.status !== 'PAST_DUE') return null;
  const schedule = scheduleOf(state.schedule);
  return isScheduled(schedule, state.nextCycle) ? dueMoment(input, state, state.nextCycle) : null;
}
