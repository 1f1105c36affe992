// A fixed amount of CPU work per request for the floor's servers: SHA-256 rounds over a small
// buffer, as many as took the given milliseconds when the process started (the fastest of a few
// tries), so each request then costs the same work whatever the machine's load does to its time.
import { createHash } from 'node:crypto';

const block = Buffer.alloc(256, 7);

function rounds(count: number): void {
  let digest = block;
  for (let index = 0; index < count; index++) digest = createHash('sha256').update(digest).digest();
}

/** A function doing about `ms` milliseconds of CPU work, calibrated now; a no-op for 0. */
export function workOf(ms: number): () => void {
  if (!(ms > 0)) return () => {};
  let perMs = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = performance.now();
    rounds(2_000);
    perMs = Math.max(perMs, 2_000 / (performance.now() - started));
  }
  const count = Math.max(1, Math.round(perMs * ms));
  return () => rounds(count);
}

/** A floor program's arguments: `--work-ms=N` (the work per request, none by default) and its ports. */
export function floorArguments(args: readonly string[]): { work: () => void; ports: string[] } {
  const workMs = args.find((arg) => arg.startsWith('--work-ms='))?.slice('--work-ms='.length);
  return { work: workOf(Number(workMs ?? 0)), ports: args.filter((arg) => !arg.startsWith('--')) };
}
