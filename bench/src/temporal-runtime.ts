// One Temporal Core runtime per process, installed once: several benchmarks run workers inside
// the benchmark's process, and `npm run bench` runs them one after the other in one process.
import { DefaultLogger, IllegalStateError, Runtime } from '@temporalio/worker';

/** Installs the runtime with errors-only logging, unless a previous benchmark already did. */
export function installQuietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
  }
}
