import { duration, oneOf, port, readEnv, text } from '@billing/runtime';

export type BillServiceEnv = ReturnType<typeof loadEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv({
    BILL_SERVICE_PORT: port(50051),
    BILL_SERVICE_HOST: text('0.0.0.0'),
    DATABASE_URL: text(),
    DATABASE_POOL_MAX: port(10),
    TEMPORAL_ADDRESS: text('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: text('default'),
    TEMPORAL_TASK_QUEUE: text('billing'),
    RATES_SERVICE_URL: text('http://127.0.0.1:50052'),
    /** How long after the period's end a bill waits before closing itself. */
    BILL_CLOSE_GRACE: duration('0s'),
    /** How long a close request waits for invoicing before answering 202 CLOSING. */
    BILL_CLOSE_WAIT: duration('10s'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
  }, source);
}
