import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterFailedAttempt, DEFAULT_RETRY_SCHEDULE_MS, GIVE_UP_AFTER_MS, retryDelayMs } from '../src/index.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe('webhook retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then 12 h after each failure, before jitter', () => {
    // random 0.5 is the middle of the jitter range: no spread.
    const waits = Array.from({ length: 10 }, (_, index) => retryDelayMs(index + 1, DEFAULT_RETRY_SCHEDULE_MS, 0.5));
    expect(waits).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR, 12 * HOUR, 12 * HOUR, 12 * HOUR]);
  });

  it('spreads every wait by at most 20% either way', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
      const base = DEFAULT_RETRY_SCHEDULE_MS[Math.min(attempt, DEFAULT_RETRY_SCHEDULE_MS.length) - 1]!;
      const wait = retryDelayMs(attempt, DEFAULT_RETRY_SCHEDULE_MS, random);
      expect(wait).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(wait).toBeLessThanOrEqual(Math.ceil(base * 1.2));
    }));
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE_MS, 0)).toBe(4 * SECOND);
    expect(retryDelayMs(1, DEFAULT_RETRY_SCHEDULE_MS, 0.999_999)).toBe(6 * SECOND);
  });

  it('schedules the next attempt after the wait, never after the give-up moment, and fails once that moment has come', () => {
    const created = new Date('2026-03-01T00:00:00Z');
    const giveUpAt = new Date(created.getTime() + GIVE_UP_AFTER_MS);
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: GIVE_UP_AFTER_MS + HOUR }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, offset, random) => {
        const now = new Date(created.getTime() + offset);
        const next = afterFailedAttempt({ attempt, now, giveUpAt, schedule: DEFAULT_RETRY_SCHEDULE_MS, random });
        if (now >= giveUpAt) {
          expect(next).toEqual({ status: 'failed' });
          return;
        }
        expect(next.status).toBe('retrying');
        if (next.status !== 'retrying') return;
        expect(next.nextAttemptAt.getTime()).toBeGreaterThan(now.getTime());
        expect(next.nextAttemptAt.getTime()).toBeLessThanOrEqual(giveUpAt.getTime());
        expect(next.nextAttemptAt.getTime()).toBe(Math.min(now.getTime() + retryDelayMs(attempt, DEFAULT_RETRY_SCHEDULE_MS, random), giveUpAt.getTime()));
      },
    ));
  });

  it('makes a delivery sent again by hand (give-up moment now) fail after its one attempt', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    expect(afterFailedAttempt({ attempt: 9, now, giveUpAt: now, schedule: DEFAULT_RETRY_SCHEDULE_MS, random: 0.5 })).toEqual({ status: 'failed' });
  });

  it('tries a delivery that always fails 11 to 14 times over its 3 days, the last one at the give-up moment', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 20, maxLength: 20 }), (randoms) => {
      const created = new Date('2026-03-01T00:00:00Z');
      const giveUpAt = new Date(created.getTime() + GIVE_UP_AFTER_MS);
      const times = [created];
      for (let attempt = 1; ; attempt += 1) {
        const next = afterFailedAttempt({ attempt, now: times.at(-1)!, giveUpAt, schedule: DEFAULT_RETRY_SCHEDULE_MS, random: randoms[attempt - 1]! });
        if (next.status === 'failed') break;
        times.push(next.nextAttemptAt);
      }
      expect(times.at(-1)).toEqual(giveUpAt);
      expect(times.length).toBeGreaterThanOrEqual(11);
      expect(times.length).toBeLessThanOrEqual(14);
    }));
  });

  it('refuses an empty schedule and an attempt number below 1', () => {
    expect(() => retryDelayMs(1, [], 0.5)).toThrow(/at least one/);
    expect(() => retryDelayMs(0, DEFAULT_RETRY_SCHEDULE_MS, 0.5)).toThrow(/from 1/);
  });
});
