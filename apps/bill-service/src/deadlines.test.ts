import { describe, expect, it } from 'vitest';
import { closeWaitMs } from './deadlines.ts';

describe('how long a close request waits for invoicing', () => {
  it('is BILL_CLOSE_WAIT when the caller set no deadline', () => {
    expect(closeWaitMs(10_000, undefined)).toBe(10_000);
  });

  it('leaves half of the caller\'s remaining deadline for reading the bill and answering', () => {
    // The gateway calls with a 10 s deadline, the default BILL_CLOSE_WAIT is 10 s: waiting it all
    // would let the gateway's deadline run out first and its client get 504 instead of 202.
    expect(closeWaitMs(10_000, 9_800)).toBe(4_900);
    expect(closeWaitMs(2_000, 60_000)).toBe(2_000);
  });

  it('does not wait when the caller has no time left', () => {
    expect(closeWaitMs(10_000, 0)).toBe(0);
    expect(closeWaitMs(10_000, 1)).toBe(0);
  });
});
