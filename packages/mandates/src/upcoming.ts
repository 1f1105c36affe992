// The next due dates a mandate will still collect on, from the state its workflow reports: the
// same answer whether bill-service reads it from the read model or the workflow returns it.
import { formatLocalDate, parseLocalDate, type LocalDate } from '@billing/calendar';
import { firstCycleDueOnOrAfter, nextCollections, type Schedule } from './schedule.ts';
import type { MandateView, ScheduleView } from './views.ts';

function localDate(text: string): LocalDate {
  const date = parseLocalDate(text);
  if (!date) throw new RangeError(`${JSON.stringify(text)} is not a YYYY-MM-DD date`);
  return date;
}

export function scheduleView(schedule: Schedule): ScheduleView {
  return {
    anchor: formatLocalDate(schedule.anchor),
    anchorDay: schedule.anchorDay,
    frequency: schedule.frequency,
    firstCycle: schedule.firstCycle,
    endDate: schedule.endDate === null ? null : formatLocalDate(schedule.endDate),
  };
}

export function scheduleOf(view: ScheduleView): Schedule {
  return {
    anchor: localDate(view.anchor),
    anchorDay: view.anchorDay,
    frequency: view.frequency,
    firstCycle: view.firstCycle,
    endDate: view.endDate === null ? null : localDate(view.endDate),
  };
}

export const UPCOMING_DEFAULT = 3;
export const UPCOMING_MAX = 100;

/**
 * Up to `count` next due dates (`YYYY-MM-DD`), none past the end date: none for a cancelled or
 * completed mandate or one paused until resumed; for one paused until a date, those on or after it.
 */
export function upcomingCollections(
  mandate: Pick<MandateView, 'status' | 'schedule' | 'nextCycle' | 'pausedUntil'>,
  count: number,
): string[] {
  if (mandate.status === 'CANCELLED' || mandate.status === 'COMPLETED') return [];
  const schedule = scheduleOf(mandate.schedule);
  let from = mandate.nextCycle;
  if (mandate.status === 'PAUSED') {
    if (mandate.pausedUntil === null) return [];
    from = firstCycleDueOnOrAfter(schedule, from, localDate(mandate.pausedUntil));
  }
  return nextCollections(schedule, from, count).map(formatLocalDate);
}
