// A deliberately plain timing loop: warm up, find an iteration count that fills a round, then
// time several rounds with process.hrtime.bigint and keep the median. Candidates of one
// operation are measured round-robin, so a noisy moment hurts all of them alike.

export type Candidate = {
  readonly name: string;
  /** One operation; its result is kept so the engine cannot drop the work. */
  readonly run: () => unknown;
};

export type TimingOptions = {
  readonly warmupMs?: number;
  readonly roundMs?: number;
  readonly rounds?: number;
};

let sink: unknown;

function timeIterations(run: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = run();
  const elapsedNs = process.hrtime.bigint() - start;
  return Number(elapsedNs) / 1e9;
}

/** Doubles the iteration count until one batch takes at least `targetMs`; runs as the warm-up. */
function calibrate(run: () => unknown, targetMs: number): number {
  let iterations = 16;
  for (;;) {
    const seconds = timeIterations(run, iterations);
    if (seconds * 1000 >= targetMs) return Math.max(1, Math.round((iterations * targetMs) / (seconds * 1000)));
    iterations *= 2;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Median operations per second of each candidate, keyed by candidate name. */
export function measure(candidates: readonly Candidate[], options: TimingOptions = {}): Map<string, number> {
  const { warmupMs = 200, roundMs = 100, rounds = 7 } = options;
  const iterations = new Map<string, number>();
  for (const candidate of candidates) {
    calibrate(candidate.run, warmupMs);
    iterations.set(candidate.name, calibrate(candidate.run, roundMs));
  }
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const candidate of candidates) {
      const count = iterations.get(candidate.name) as number;
      samples.get(candidate.name)?.push(count / timeIterations(candidate.run, count));
    }
  }
  if (sink === Symbol.for('never')) console.log('unreachable');
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}
