import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLocalDates, daysBetween, daysInMonth, formatLocalDate, parseLocalDate, wallClockAt, type LocalDate,
} from '@billing/calendar';
import {
  FREQUENCIES, changeFrequency, collectionMoment, dueDate, dueDateOfCycle, firstCycleDueOnOrAfter, nextCollections,
  scheduleFrom, withEndDate, type Frequency,
} from '../src/index.ts';

const date = (text: string): LocalDate => {
  const parsed = parseLocalDate(text);
  if (!parsed) throw new Error(`bad test date ${text}`);
  return parsed;
};
const dates = (list: LocalDate[]) => list.map(formatLocalDate);

const MONTHS: Partial<Record<Frequency, number>> = { MONTHLY: 1, BIMONTHLY: 2, QUARTERLY: 3, SEMIANNUALLY: 6, ANNUALLY: 12 };
const DAYS: Partial<Record<Frequency, number>> = { DAILY: 1, WEEKLY: 7 };
const MONTH_BASED = Object.keys(MONTHS) as Frequency[];

const anchorArb = fc.record({
  year: fc.integer({ min: 2000, max: 2100 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 31 }),
}).map(({ year, month, day }) => ({ year, month, day: Math.min(day, daysInMonth(year, month)) }));
const frequencyArb = fc.constantFrom(...FREQUENCIES);

describe('dueDate, anchored and clamped', () => {
  it('collects Jan 31, Feb 28, Mar 31, Apr 30 ... and Feb 29 in a leap year', () => {
    const anchor = date('2026-01-31');
    expect(dates([1, 2, 3, 4, 5, 13, 14, 25, 26].map((n) => dueDate(anchor, 'MONTHLY', n)))).toEqual([
      '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2027-01-31', '2027-02-28', '2028-01-31', '2028-02-29',
    ]);
  });

  it('collects an annual mandate anchored on Feb 29 on Feb 28 in common years and Feb 29 in leap years', () => {
    const anchor = date('2028-02-29');
    expect(dates([1, 2, 3, 4, 5, 73].map((n) => dueDate(anchor, 'ANNUALLY', n)))).toEqual([
      '2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29', '2100-02-28',
    ]);
  });

  it('puts every month-based occurrence on min(anchor day, last day of its month), the right number of months on', () => {
    fc.assert(fc.property(anchorArb, fc.constantFrom(...MONTH_BASED), fc.integer({ min: 1, max: 1_000 }), (anchor, frequency, n) => {
      const due = dueDate(anchor, frequency, n);
      const monthsOn = (due.year - anchor.year) * 12 + (due.month - anchor.month);
      expect(monthsOn).toBe((n - 1) * (MONTHS[frequency] as number));
      expect(due.day).toBe(Math.min(anchor.day, daysInMonth(due.year, due.month)));
    }));
  });

  it('puts daily and weekly occurrences exactly (n − 1) steps of days after the anchor', () => {
    fc.assert(fc.property(anchorArb, fc.constantFrom('DAILY', 'WEEKLY') as fc.Arbitrary<Frequency>, fc.integer({ min: 1, max: 5_000 }), (anchor, frequency, n) => {
      expect(daysBetween(anchor, dueDate(anchor, frequency, n))).toBe((n - 1) * (DAYS[frequency] as number));
    }));
  });

  it('gives strictly increasing dates for every frequency', () => {
    fc.assert(fc.property(anchorArb, frequencyArb, fc.integer({ min: 1, max: 999 }), (anchor, frequency, n) => {
      expect(compareLocalDates(dueDate(anchor, frequency, n), dueDate(anchor, frequency, n + 1))).toBeLessThan(0);
    }));
  });

  it('does not drift over 1,000 cycles: occurrence n depends only on the anchor and n', () => {
    fc.assert(fc.property(anchorArb, fc.constantFrom(...MONTH_BASED), (anchor, frequency) => {
      // Walking cycle by cycle through a schedule answers exactly what asking for each n directly does.
      const schedule = scheduleFrom(anchor, frequency);
      for (let n = 1; n <= 1_000; n += 1) {
        expect(dueDateOfCycle(schedule, n)).toEqual(dueDate(anchor, frequency, n));
      }
      // And a month with enough days gets the anchor's day back, even after shorter months.
      const late = dueDate(anchor, frequency, 1_000);
      if (daysInMonth(late.year, late.month) >= anchor.day) expect(late.day).toBe(anchor.day);
    }), { numRuns: 30 });
  });

  it('refuses occurrence 0 and fractions', () => {
    expect(() => dueDate(date('2026-01-01'), 'MONTHLY', 0)).toThrow(RangeError);
    expect(() => dueDate(date('2026-01-01'), 'MONTHLY', 1.5)).toThrow(RangeError);
  });
});

describe('collection moments across daylight-saving changes', () => {
  const ZONES = ['America/New_York', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'Pacific/Auckland', 'America/Havana', 'Asia/Tbilisi'];

  it('keeps the wall-clock time of day for every collection of a two-year schedule in each zone', () => {
    fc.assert(fc.property(
      fc.constantFrom(...ZONES), anchorArb.filter((anchor) => anchor.year < 2090), frequencyArb,
      fc.record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 15, 30, 45) }),
      (zone, anchor, frequency, time) => {
        let previous = -Infinity;
        for (let n = 1; n <= 30; n += 1) {
          const due = dueDate(anchor, frequency, n);
          const moment = collectionMoment(due, time, zone);
          const wall = wallClockAt(moment, zone);
          expect({ year: wall.year, month: wall.month, day: wall.day }).toEqual(due);
          const wanted = time.hour * 60 + time.minute;
          const read = wall.hour * 60 + wall.minute;
          // Exactly the configured time, or, where the clocks skip over it that day, the moment they jump.
          if (read !== wanted) {
            expect(read).toBeGreaterThan(wanted);
            expect(collectionMoment(due, { hour: wall.hour, minute: wall.minute }, zone).getTime()).toBe(moment.getTime());
          }
          expect(moment.getTime()).toBeGreaterThan(previous);
          previous = moment.getTime();
        }
      },
    ), { numRuns: 300 });
  });

  it('collects a New York mandate at 09:00 local on both sides of the spring change', () => {
    const anchor = date('2026-02-08');
    const moments = [1, 2, 3].map((n) => collectionMoment(dueDate(anchor, 'MONTHLY', n), { hour: 9, minute: 0 }, 'America/New_York').toISOString());
    expect(moments).toEqual(['2026-02-08T14:00:00.000Z', '2026-03-08T13:00:00.000Z', '2026-04-08T13:00:00.000Z']);
  });
});

describe('schedules', () => {
  it('lists the next collections and never one past the end date', () => {
    fc.assert(fc.property(anchorArb, frequencyArb, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 50 }),
      (anchor, frequency, endAfterDays, count, from) => {
        const end = dueDate(anchor, 'DAILY', endAfterDays + 1);
        const schedule = scheduleFrom(anchor, frequency, end);
        const listed = nextCollections(schedule, from, count);
        expect(listed.length).toBeLessThanOrEqual(count);
        for (const due of listed) expect(compareLocalDates(due, end)).toBeLessThanOrEqual(0);
        if (listed.length > 0) expect(listed[0]).toEqual(dueDate(anchor, frequency, from));
        // Stopped early only because the next one is past the end date.
        if (listed.length < count) expect(compareLocalDates(dueDate(anchor, frequency, from + listed.length), end)).toBeGreaterThan(0);
      }));
  });

  it('lists nothing after an end date before the next collection, and everything without one', () => {
    const schedule = scheduleFrom(date('2026-01-31'), 'MONTHLY');
    expect(dates(nextCollections(schedule, 2, 3))).toEqual(['2026-02-28', '2026-03-31', '2026-04-30']);
    expect(nextCollections(withEndDate(schedule, date('2026-02-27')), 2, 3)).toEqual([]);
    expect(dates(nextCollections(withEndDate(schedule, date('2026-03-31')), 2, 3))).toEqual(['2026-02-28', '2026-03-31']);
  });

  it('changes frequency from the next cycle, one new step after the last started one, still aiming at the first day', () => {
    const monthly = scheduleFrom(date('2026-01-31'), 'MONTHLY');
    // Cycles 1–3 started (Jan 31, Feb 28, Mar 31); from cycle 4 on, quarterly.
    const quarterly = changeFrequency(monthly, 4, 'QUARTERLY');
    expect(dates([1, 2, 3].map((cycle) => dueDateOfCycle(monthly, cycle)))).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
    expect(dates([4, 5, 6].map((cycle) => dueDateOfCycle(quarterly, cycle)))).toEqual(['2026-06-30', '2026-09-30', '2026-12-31']);
    // Before any cycle started, the anchor stays.
    expect(dates(nextCollections(changeFrequency(monthly, 1, 'WEEKLY'), 1, 2))).toEqual(['2026-01-31', '2026-02-07']);
  });

  it('never moves a started cycle when the frequency changes, and keeps later dates increasing', () => {
    fc.assert(fc.property(anchorArb, frequencyArb, frequencyArb, fc.integer({ min: 2, max: 40 }), (anchor, before, after, fromCycle) => {
      const original = scheduleFrom(anchor, before);
      const changed = changeFrequency(original, fromCycle, after);
      expect(compareLocalDates(dueDateOfCycle(original, fromCycle - 1), dueDateOfCycle(changed, fromCycle))).toBeLessThan(0);
      expect(compareLocalDates(dueDateOfCycle(changed, fromCycle), dueDateOfCycle(changed, fromCycle + 1))).toBeLessThan(0);
    }));
  });

  it('finds the first cycle due on or after a date (the first to collect after a pause)', () => {
    const schedule = scheduleFrom(date('2026-01-15'), 'MONTHLY');
    expect(firstCycleDueOnOrAfter(schedule, 1, date('2026-03-16'))).toBe(4);
    expect(firstCycleDueOnOrAfter(schedule, 1, date('2026-03-15'))).toBe(3);
    expect(firstCycleDueOnOrAfter(schedule, 5, date('2026-01-01'))).toBe(5);
  });

  it('finds the same first cycle as a walk cycle by cycle, for any schedule and date', () => {
    const dateArb = fc.record({ year: fc.integer({ min: 1990, max: 2200 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) });
    fc.assert(fc.property(anchorArb, frequencyArb, fc.integer({ min: 1, max: 30 }), dateArb, (anchor, frequency, fromCycle, target) => {
      const schedule = scheduleFrom(anchor, frequency);
      let walked = Math.max(fromCycle, schedule.firstCycle);
      while (compareLocalDates(dueDateOfCycle(schedule, walked), target) < 0) walked += 1;
      expect(firstCycleDueOnOrAfter(schedule, fromCycle, target)).toBe(walked);
    }));
  });

  it('finds the first cycle after a pause until the year 9000 at once', () => {
    const schedule = scheduleFrom(date('2026-01-15'), 'WEEKLY');
    const cycle = firstCycleDueOnOrAfter(schedule, 1, date('9000-01-01'));
    expect(compareLocalDates(dueDateOfCycle(schedule, cycle), date('9000-01-01'))).toBeGreaterThanOrEqual(0);
    expect(compareLocalDates(dueDateOfCycle(schedule, cycle - 1), date('9000-01-01'))).toBeLessThan(0);
  });
});
