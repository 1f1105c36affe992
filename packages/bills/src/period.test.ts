import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '@billing/calendar';
import { parseBillingPeriod, periodBounds, periodHasEnded } from './period.ts';

const iso = (bounds: { start: Date; end: Date }) => [bounds.start.toISOString(), bounds.end.toISOString()];

describe('periodBounds', () => {
  it('runs from midnight UTC to midnight UTC in UTC', () => {
    expect(iso(periodBounds('2026-02', 'UTC'))).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  });

  it('rolls December over into January of the next year', () => {
    expect(iso(periodBounds('2026-12', 'UTC'))).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('starts in standard time and ends in daylight time across the March change in New York', () => {
    expect(iso(periodBounds('2026-03', 'America/New_York'))).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
  });

  it('ends in standard time after the November change in New York', () => {
    expect(iso(periodBounds('2026-11', 'America/New_York'))).toEqual(['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z']);
  });

  it('starts the month four hours before UTC in Tbilisi', () => {
    expect(iso(periodBounds('2026-01', 'Asia/Tbilisi'))).toEqual(['2025-12-31T20:00:00.000Z', '2026-01-31T20:00:00.000Z']);
  });

  it('starts the month fourteen hours before UTC on Kiritimati', () => {
    expect(iso(periodBounds('2026-07', 'Pacific/Kiritimati'))).toEqual(['2026-06-30T10:00:00.000Z', '2026-07-31T10:00:00.000Z']);
  });

  it('handles the half-hour daylight saving change on Lord Howe Island', () => {
    // Daylight time (+11) ends on the first Sunday of April 2026; standard time is +10:30.
    expect(iso(periodBounds('2026-04', 'Australia/Lord_Howe'))).toEqual(['2026-03-31T13:00:00.000Z', '2026-04-30T13:30:00.000Z']);
  });

  it('rejects malformed periods and unknown zones', () => {
    expect(() => periodBounds('2026-13', 'UTC')).toThrow(RangeError);
    expect(() => periodBounds('2026-01', 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('parseBillingPeriod', () => {
  it('accepts YYYY-MM within 2000–2999', () => {
    expect(parseBillingPeriod('2026-01')).toEqual({ year: 2026, month: 1 });
    expect(parseBillingPeriod('2999-12')).toEqual({ year: 2999, month: 12 });
  });

  it.each(['2026-1', '2026-00', '2026-13', '1999-12', '3000-01', '2026-01-01', ' 2026-01', '202601', ''])(
    'rejects %j', (text) => {
      expect(parseBillingPeriod(text)).toBeUndefined();
    });
});

describe('isValidTimeZone and periodHasEnded', () => {
  it('knows IANA zones and refuses made-up ones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Atlantis')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('says a period has ended only from its end instant on', () => {
    const end = periodBounds('2026-03', 'America/New_York').end;
    expect(periodHasEnded('2026-03', 'America/New_York', new Date(end.getTime() - 1))).toBe(false);
    expect(periodHasEnded('2026-03', 'America/New_York', end)).toBe(true);
  });
});
