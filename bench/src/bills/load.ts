// A closed-loop load: `concurrency` clients each send their next task as soon as the previous
// one answers (or, paced, once its time has come), until the tasks run out or the deadline passes. Every answer is timed; failures
// are counted by reason (an HTTP status, a gRPC code, an exception name).

export type Outcome = { ok: true } | { ok: false; reason: string };

export interface LoadResult {
  /** Tasks sent (fewer than given when the deadline cut the run short). */
  sent: number;
  succeeded: number;
  elapsedSeconds: number;
  /** Latency of each successful task, milliseconds, sorted ascending. */
  latenciesMs: number[];
  failures: Map<string, number>;
  /** Index of each task that succeeded, so callers can check exactly those were stored. */
  succeededTasks: Set<number>;
}

export async function runLoad<T>(
  tasks: readonly T[],
  concurrency: number,
  send: (task: T) => Promise<Outcome>,
  deadlineMs: number,
  { perSecond }: { perSecond?: number } = {},
): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const failures = new Map<string, number>();
  const succeededTasks = new Set<number>();
  let next = 0;
  const started = performance.now();
  const stopAt = started + deadlineMs;

  async function client(): Promise<void> {
    while (next < tasks.length && performance.now() < stopAt) {
      const index = next++;
      // Paced: task i is not sent before i ÷ perSecond seconds into the load.
      const due = perSecond === undefined ? 0 : started + (index * 1000) / perSecond - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      const sentAt = performance.now();
      let outcome: Outcome;
      try {
        outcome = await send(tasks[index] as T);
      } catch (error) {
        outcome = { ok: false, reason: error instanceof Error ? error.name : 'thrown' };
      }
      if (outcome.ok) {
        latenciesMs.push(performance.now() - sentAt);
        succeededTasks.add(index);
      } else {
        failures.set(outcome.reason, (failures.get(outcome.reason) ?? 0) + 1);
      }
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, client));
  const elapsedSeconds = (performance.now() - started) / 1000;
  latenciesMs.sort((a, b) => a - b);
  return { sent: next, succeeded: succeededTasks.size, elapsedSeconds, latenciesMs, failures, succeededTasks };
}

/** Nearest-rank percentile of an ascending list; NaN when it is empty. */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1] as number;
}

export function throughput(result: LoadResult): number {
  return result.succeeded / result.elapsedSeconds;
}

export function describeFailures(failures: ReadonlyMap<string, number>): string {
  if (failures.size === 0) return 'none';
  return [...failures].sort(([a], [b]) => a.localeCompare(b)).map(([reason, count]) => `${reason}×${count}`).join(' ');
}

/** Several loads of the same request read as one: their answers pooled, their times added. */
export function pooled(results: readonly LoadResult[]): LoadResult {
  const failures = new Map<string, number>();
  for (const result of results) {
    for (const [reason, count] of result.failures) failures.set(reason, (failures.get(reason) ?? 0) + count);
  }
  return {
    sent: results.reduce((sum, result) => sum + result.sent, 0),
    succeeded: results.reduce((sum, result) => sum + result.succeeded, 0),
    elapsedSeconds: results.reduce((sum, result) => sum + result.elapsedSeconds, 0),
    latenciesMs: results.flatMap((result) => result.latenciesMs).sort((a, b) => a - b),
    failures,
    succeededTasks: new Set(),
  };
}
