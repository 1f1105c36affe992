import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays, addMonthsClamped, compareLocalDates, daysBetween, daysInMonth, formatLocalDate, instantAt, isValidTimeZone,
  localDateAt, parseLocalDate, parseLocalTime, startOfLocalDay, wallClockAt, type LocalDate,
} from '../src/index.ts';

const date = (text: string): LocalDate => {
  const parsed = parseLocalDate(text);
  if (!parsed) throw new Error(`bad test date ${text}`);
  return parsed;
};

describe('local dates', () => {
  it.each(['2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '26-01-01', '2026-1-01', '2026-01-01T00:00', ' 2026-01-01', '0999-12-31', ''])(
    'refuses %j', (text) => expect(parseLocalDate(text)).toBeUndefined());

  it('reads and writes real days, leap days included', () => {
    expect(parseLocalDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(formatLocalDate(date('2000-02-29'))).toBe('2000-02-29');
    expect([daysInMonth(1900, 2), daysInMonth(2000, 2), daysInMonth(2024, 2), daysInMonth(2026, 4)]).toEqual([28, 29, 29, 30]);
  });

  it('clamps month arithmetic to the month end and aims at the given day again later', () => {
    expect(formatLocalDate(addMonthsClamped(date('2026-01-31'), 1))).toBe('2026-02-28');
    expect(formatLocalDate(addMonthsClamped(date('2028-01-31'), 1))).toBe('2028-02-29');
    expect(formatLocalDate(addMonthsClamped(date('2026-02-28'), 1, 31))).toBe('2026-03-31');
    expect(formatLocalDate(addMonthsClamped(date('2026-11-15'), 14))).toBe('2028-01-15');
    expect(formatLocalDate(addMonthsClamped(date('2026-03-15'), -3))).toBe('2025-12-15');
  });

  it('adds days across years and counts them back', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }), fc.integer({ min: -5000, max: 5000 }), (at, days) => {
      const start = localDateAt(at, 'UTC');
      const later = addDays(start, days);
      expect(daysBetween(start, later)).toBe(days);
      expect(Math.sign(compareLocalDates(later, start))).toBe(Math.sign(days));
    }));
  });
});

describe('local times and time zones', () => {
  it.each(['24:00', '7:00', '07:60', '07:00:00', 'noon'])('refuses the time %j', (text) => expect(parseLocalTime(text)).toBeUndefined());

  it('knows IANA zones and refuses the rest', () => {
    expect(isValidTimeZone('Asia/Tbilisi')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('reads a UTC wall clock, under each of its names, as the runtime\'s time-zone data does', () => {
    const intl = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    fc.assert(fc.property(
      fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.constantFrom('UTC', 'Etc/UTC', 'GMT', 'Etc/Zulu'),
      (epochMs, zone) => {
        const instant = new Date(epochMs);
        const expected = Object.fromEntries(intl.formatToParts(instant).filter((part) => part.type !== 'literal').map((part) => [part.type, Number(part.value)]));
        expect(wallClockAt(instant, zone)).toEqual(expected);
        expect(instantAt(localDateAt(instant, zone), { hour: 0, minute: 0 }, zone).getTime()).toBe(epochMs - (epochMs % 86_400_000));
      },
    ));
  });

  it('finds the instant of a wall-clock reading, before and after a DST change', () => {
    // New York: EST (UTC−5) until 2026-03-08 02:00, EDT (UTC−4) after.
    expect(instantAt(date('2026-03-07'), { hour: 9, minute: 0 }, 'America/New_York').toISOString()).toBe('2026-03-07T14:00:00.000Z');
    expect(instantAt(date('2026-03-09'), { hour: 9, minute: 0 }, 'America/New_York').toISOString()).toBe('2026-03-09T13:00:00.000Z');
  });

  it('takes the jump for a reading that never happens, and the earlier instant for one that happens twice', () => {
    // 02:30 does not exist in New York on 2026-03-08: the clock jumps from 02:00 EST to 03:00 EDT (07:00Z).
    expect(instantAt(date('2026-03-08'), { hour: 2, minute: 30 }, 'America/New_York').toISOString()).toBe('2026-03-08T07:00:00.000Z');
    // 01:30 happens twice on 2026-11-01 (EDT, then EST): the first is 05:30Z.
    expect(instantAt(date('2026-11-01'), { hour: 1, minute: 30 }, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // Havana springs forward at midnight: the day starts at 01:00 local.
    const havana = startOfLocalDay(date('2026-03-08'), 'America/Havana');
    expect(havana.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(wallClockAt(havana, 'America/Havana')).toMatchObject({ year: 2026, month: 3, day: 8, hour: 1, minute: 0 });
    // Havana falls back at 01:00 to 00:00 on the first Sunday of November: the earlier midnight.
    expect(startOfLocalDay(date('2026-11-01'), 'America/Havana').toISOString()).toBe('2026-11-01T04:00:00.000Z');
  });
});
