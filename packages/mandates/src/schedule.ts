// When a mandate collects. Every due date is computed from the schedule's anchor and the cycle
// number, never from the previous due date, so a schedule anchored on the 31st collects on the
// 31st of every month that has one and on the last day of every month that has not (Jan 31,
// Feb 28, Mar 31, Apr 30 ...) for as long as it runs: chaining would drift to the 28th after the
// first February and stay there. Dates are local dates in the mandate's time zone; the moment of
// a collection is that date at the mandate's local time of day, so daylight-saving changes move
// the instant, never the wall-clock time. Pure: no clock is read here.
import {
  addDays, addMonthsClamped, compareLocalDates, instantAt, type LocalDate, type LocalTime,
} from '@billing/calendar';

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'BIMONTHLY', 'QUARTERLY', 'SEMIANNUALLY', 'ANNUALLY'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

type Step = { readonly days: number } | { readonly months: number };

const STEPS: Record<Frequency, Step> = {
  DAILY: { days: 1 },
  WEEKLY: { days: 7 },
  MONTHLY: { months: 1 },
  BIMONTHLY: { months: 2 },
  QUARTERLY: { months: 3 },
  SEMIANNUALLY: { months: 6 },
  ANNUALLY: { months: 12 },
};

export function isFrequency(value: string): value is Frequency {
  return (FREQUENCIES as readonly string[]).includes(value);
}

/**
 * Occurrence `n` (n ≥ 1; occurrence 1 is the anchor itself) of a schedule anchored on `anchor`.
 * Month-based frequencies land on `anchorDay` (default: the anchor's day), clamped to the
 * month's last day; an annual schedule anchored on Feb 29 falls on Feb 28 in common years.
 */
export function dueDate(anchor: LocalDate, frequency: Frequency, n: number, anchorDay = anchor.day): LocalDate {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`occurrence must be a whole number from 1, got ${n}`);
  const step = STEPS[frequency];
  return 'days' in step
    ? addDays(anchor, (n - 1) * step.days)
    : addMonthsClamped(anchor, (n - 1) * step.months, anchorDay);
}

/** The instant of a collection due on `due`: that local date at `timeOfDay` in `timeZone`. */
export function collectionMoment(due: LocalDate, timeOfDay: LocalTime, timeZone: string): Date {
  return instantAt(due, timeOfDay, timeZone);
}

/**
 * A mandate's schedule: cycles from `firstCycle` on fall on occurrences of `frequency` from
 * `anchor`. A change of frequency starts a new schedule at the next cycle (see changeFrequency);
 * `anchorDay` carries the first collection's day of the month across such changes.
 */
export interface Schedule {
  readonly anchor: LocalDate;
  readonly anchorDay: number;
  readonly frequency: Frequency;
  readonly firstCycle: number;
  /** No collection is due after this local date. */
  readonly endDate: LocalDate | null;
}

export function scheduleFrom(firstCollectionDate: LocalDate, frequency: Frequency, endDate: LocalDate | null = null): Schedule {
  return { anchor: firstCollectionDate, anchorDay: firstCollectionDate.day, frequency, firstCycle: 1, endDate };
}

/** The due date of `cycle` (≥ the schedule's first cycle), whether or not it is past the end date. */
export function dueDateOfCycle(schedule: Schedule, cycle: number): LocalDate {
  if (!Number.isSafeInteger(cycle) || cycle < schedule.firstCycle) {
    throw new RangeError(`cycle ${cycle} is before this schedule's first cycle ${schedule.firstCycle}`);
  }
  return dueDate(schedule.anchor, schedule.frequency, cycle - schedule.firstCycle + 1, schedule.anchorDay);
}

/** True when `cycle` is due on or before the end date (always, without one). */
export function isScheduled(schedule: Schedule, cycle: number): boolean {
  return schedule.endDate === null || compareLocalDates(dueDateOfCycle(schedule, cycle), schedule.endDate) <= 0;
}

/** The due dates of up to `count` cycles from `fromCycle` on, none past the end date. */
export function nextCollections(schedule: Schedule, fromCycle: number, count: number): LocalDate[] {
  const dates: LocalDate[] = [];
  for (let cycle = Math.max(fromCycle, schedule.firstCycle); dates.length < count && isScheduled(schedule, cycle); cycle += 1) {
    dates.push(dueDateOfCycle(schedule, cycle));
  }
  return dates;
}

/**
 * The first cycle (≥ `fromCycle`) due on or after `date`. Due dates grow with the cycle, so the
 * search doubles its step until it passes `date` and then halves the gap: a pause until a date
 * centuries away costs a few dozen due dates, not one per cycle (a weekly mandate paused until the
 * year 9000 would otherwise compute some 360,000, in the workflow's Update handler).
 */
export function firstCycleDueOnOrAfter(schedule: Schedule, fromCycle: number, date: LocalDate): number {
  const start = Math.max(fromCycle, schedule.firstCycle);
  const before = (cycle: number) => compareLocalDates(dueDateOfCycle(schedule, cycle), date) < 0;
  if (!before(start)) return start;
  let low = start; // due before `date`
  let step = 1;
  while (before(start + step)) {
    low = start + step;
    step *= 2;
  }
  let high = start + step; // due on or after `date`
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (before(middle)) low = middle;
    else high = middle;
  }
  return high;
}

/**
 * A new frequency, effective from `fromCycle` (the first cycle that has not started). When no
 * cycle has started the anchor stays; otherwise `fromCycle` falls one new step after the last
 * started cycle's due date, and later cycles follow from there, still aiming at `anchorDay`.
 */
export function changeFrequency(schedule: Schedule, fromCycle: number, frequency: Frequency): Schedule {
  if (fromCycle <= schedule.firstCycle) return { ...schedule, frequency };
  const lastStarted = dueDateOfCycle(schedule, fromCycle - 1);
  const anchor = dueDate(lastStarted, frequency, 2, schedule.anchorDay);
  return { ...schedule, anchor, frequency, firstCycle: fromCycle };
}

export function withEndDate(schedule: Schedule, endDate: LocalDate | null): Schedule {
  return { ...schedule, endDate };
}

/** The local date a manual mandate's reminder is due: `daysBefore` days before the due date. */
export function reminderDate(due: LocalDate, daysBefore: number): LocalDate {
  return addDays(due, -daysBefore);
}
