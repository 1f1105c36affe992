import { loadavg } from 'node:os';
import type { WriteStream } from 'node:fs';
import type { Stack } from '@billing/devstack';

/**
 * Runs `measure` on a started stack, then stops the stack (also on Ctrl-C, which ends the run),
 * closes the apps' log and prints the load average after the run with where that log is.
 */
export async function measureOnStack<T>(stack: Stack, log: WriteStream, logPath: string, measure: (stack: Stack) => Promise<T>): Promise<T> {
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
