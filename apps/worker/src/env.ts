import { BILL_TASK_QUEUE } from '@billing/bills';
import { integer, oneOf, readEnv, text } from '@billing/runtime';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Everything the worker reads from its environment, validated once at start-up. */
export function readWorkerEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv(
    {
      DATABASE_URL: text(),
      TEMPORAL_ADDRESS: text('127.0.0.1:7233'),
      TEMPORAL_NAMESPACE: text('default'),
      TEMPORAL_TASK_QUEUE: text(BILL_TASK_QUEUE),
      DATABASE_POOL_MAX: integer(10, 1, 100),
      LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
    },
    source,
  );
}

export type WorkerEnv = ReturnType<typeof readWorkerEnv>;
