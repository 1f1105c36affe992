// When a failed delivery is tried again. The waits grow from seconds (a receiver restarting) to
// hours (a receiver down for the night), then settle at one attempt every 12 hours until the
// delivery's give-up moment, 3 days after its event. Each wait is spread by ±20% so that the
// deliveries that failed together (an endpoint that was down) do not all come back in the same
// second.

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The wait after the 1st, 2nd, ... failed attempt; the last wait repeats. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR, 12 * HOUR,
];

/** How long after its event a delivery is tried: the database's default for `give_up_at`. */
export const GIVE_UP_AFTER_MS = 3 * 24 * HOUR;

/** The share by which each wait is spread, either way. */
export const RETRY_JITTER = 0.2;

/**
 * The wait after failed attempt number `attempt` (1 for the first), jittered: `random` is a
 * number in [0, 1), as Math.random gives.
 */
export function retryDelayMs(attempt: number, schedule: readonly number[], random: number): number {
  if (schedule.length === 0) throw new Error('a retry schedule needs at least one wait');
  if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`attempt must be a whole number from 1, got ${attempt}`);
  const base = schedule[Math.min(attempt, schedule.length) - 1]!;
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random));
}

export type AfterFailure =
  | { status: 'failed' }
  | { status: 'retrying'; nextAttemptAt: Date };

/**
 * What follows a failed attempt. A delivery whose give-up moment has come fails for good; any
 * other is tried again after its wait, but never later than its give-up moment, so the last
 * attempt is made right at it (a delivery sent again by hand has its give-up moment set to now:
 * one attempt, no retries).
 */
export function afterFailedAttempt(
  input: { attempt: number; now: Date; giveUpAt: Date; schedule: readonly number[]; random: number },
): AfterFailure {
  const { attempt, now, giveUpAt, schedule, random } = input;
  if (now.getTime() >= giveUpAt.getTime()) return { status: 'failed' };
  const next = now.getTime() + retryDelayMs(attempt, schedule, random);
  return { status: 'retrying', nextAttemptAt: new Date(Math.min(next, giveUpAt.getTime())) };
}
