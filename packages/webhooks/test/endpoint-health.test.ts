import { describe, expect, it } from 'vitest';
import { DISABLE_FAILING_AFTER_MS, healthAfterAttempt } from '../src/index.ts';

const DAY = 24 * 60 * 60 * 1_000;
const start = new Date('2026-03-01T00:00:00Z');
const at = (ms: number) => new Date(start.getTime() + ms);

describe('webhook endpoint health', () => {
  it('marks the first failure as the start of failing, and keeps that start on later failures', () => {
    expect(healthAfterAttempt({ failingSince: null, succeeded: false, now: start })).toEqual({ failingSince: start, disable: false });
    expect(healthAfterAttempt({ failingSince: start, succeeded: false, now: at(2 * DAY) })).toEqual({ failingSince: start, disable: false });
  });

  it('disables an endpoint whose failures have lasted 5 days, not a moment sooner', () => {
    expect(DISABLE_FAILING_AFTER_MS).toBe(5 * DAY);
    expect(healthAfterAttempt({ failingSince: start, succeeded: false, now: at(5 * DAY - 1) }).disable).toBe(false);
    expect(healthAfterAttempt({ failingSince: start, succeeded: false, now: at(5 * DAY) }).disable).toBe(true);
  });

  it('clears failing on a success, however long it lasted', () => {
    expect(healthAfterAttempt({ failingSince: start, succeeded: true, now: at(6 * DAY) })).toEqual({ failingSince: null, disable: false });
  });
});
