import { loadavg } from 'node:os';
import type { WriteStream } from 'node:fs';

/**
 * Runs `measure` on a started stack (devstack's one stack, or its replicas), then stops the stack (also on Ctrl-C, which ends the run),
 * closes the apps' log and prints the load average after the run with where that log is.
 */
export async function measureOnStack<S extends { stop(): Promise<void> }, T>(stack: S, log: WriteStream, logPath: string, measure: (stack: S) => Promise<T>): Promise<T> {
  const stopOnSignal = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    return await measure(stack);
  } finally {
    process.off('SIGINT', stopOnSignal);
    await stack.stop();
    log.end();
    console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}; app logs in ${logPath}`);
  }
}
