import { BILL_TASK_QUEUE } from '@billing/bills';
import { databaseVariables, logLevel, readEnv, temporalVariables } from '@billing/runtime';

/** Everything the worker reads from its environment, validated once at start-up. */
export function readWorkerEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv(
    {
      ...databaseVariables(),
      ...temporalVariables(BILL_TASK_QUEUE),
      LOG_LEVEL: logLevel(),
    },
    source,
  );
}

export type WorkerEnv = ReturnType<typeof readWorkerEnv>;
