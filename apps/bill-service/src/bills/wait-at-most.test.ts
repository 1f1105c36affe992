import { describe, expect, it } from 'vitest';
import { waitAtMost } from './wait-at-most.ts';

function settleLater<T>(ms: number, settle: 'resolve' | 'reject', value: T): Promise<T> {
  return new Promise((resolve, reject) => setTimeout(() => (settle === 'resolve' ? resolve(value) : reject(value)), ms));
}

describe('waitAtMost', () => {
  it('answers true when the outcome succeeds in time', async () => {
    const late: unknown[] = [];
    expect(await waitAtMost(settleLater(5, 'resolve', 'closed'), 1_000, (error) => late.push(error))).toBe(true);
    expect(late).toEqual([]);
  });

  it('throws a failure that comes in time to the caller', async () => {
    const late: unknown[] = [];
    const failure = new Error('invoice numbering failed');
    await expect(waitAtMost(settleLater(5, 'reject', failure), 1_000, (error) => late.push(error))).rejects.toBe(failure);
    expect(late).toEqual([]);
  });

  it('answers false when time runs out, and hands a later failure to `late` instead of losing it', async () => {
    const late: unknown[] = [];
    const failure = new Error('close failed after the wait');
    const outcome = settleLater(60, 'reject', failure);
    expect(await waitAtMost(outcome, 10, (error) => late.push(error))).toBe(false);
    expect(late).toEqual([]);
    await outcome.catch(() => {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(late).toEqual([failure]);
  });

  it('reports nothing when an outcome that outlasted the wait later succeeds', async () => {
    const late: unknown[] = [];
    const outcome = settleLater(30, 'resolve', 'closed');
    expect(await waitAtMost(outcome, 5, (error) => late.push(error))).toBe(false);
    await outcome;
    expect(late).toEqual([]);
  });
});
