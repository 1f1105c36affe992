import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits for `outcome` for at most `ms`: true if it succeeded in time, false if time ran out
 * first. A failure in time is thrown to the caller. A failure after time ran out has no caller
 * left to tell, so it goes to `late` instead of becoming an unhandled rejection.
 */
export async function waitAtMost(outcome: Promise<unknown>, ms: number, late: (error: unknown) => void): Promise<boolean> {
  const timer = new AbortController();
  let timedOut = false;
  const finished = outcome.then(() => true, (error: unknown) => {
    if (timedOut) {
      late(error);
      return false;
    }
    throw error;
  });
  try {
    return await Promise.race([
      finished,
      sleep(ms, false, { signal: timer.signal }).then(() => {
        timedOut = true;
        return false;
      }),
    ]);
  } finally {
    // The answer is known either way; the timer need not keep the process awake.
    timer.abort();
  }
}
