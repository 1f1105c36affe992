import { BILL_TASK_QUEUE } from '@billing/bills';
import {
  databaseVariables, duration, integer, logLevel, METRICS_PORTS, metricsVariables, parsed, port, readEnv, serviceCredentialVariables,
  temporalVariables, text, withTemporalConnection,
} from '@billing/runtime';
import { DEFAULT_RETRY_SCHEDULE_MS } from '@billing/webhooks';
import { sellerVariables } from '@billing/documents/seller';

/** A comma-separated list of durations (`1d,3d,5d`), each between `min` and `max`; taken in increasing order. */
function durations(fallback: string, min: string, max: string) {
  const one = duration('1d', min, max);
  return (name: string, raw: string | undefined): number[] => {
    const value = raw === undefined || raw === '' ? fallback : raw;
    return [...new Set(value.split(',').map((part) => one(name, part.trim())))].sort((a, b) => a - b);
  };
}

/** Waits in order (`5s,5m,30m`), repeats allowed; the last one repeats until the delivery gives up. */
function retrySchedule(fallback: readonly number[]) {
  const one = duration('1s', '1ms', '1d');
  return (name: string, raw: string | undefined): number[] => {
    if (raw === undefined || raw === '') return [...fallback];
    // An empty entry (`5s,,1m`) is a mistake, not the reader's fallback: it is refused by name.
    return raw.split(',').map((part) => one(name, part.trim() || '(empty)'));
  };
}

function flag(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`must be true or false, got "${value}"`);
}

/**
 * Everything the worker reads from its environment, validated once at start-up; the Temporal
 * connection's settings are also checked together (`temporalConnection`).
 */
export function readWorkerEnv(source: Record<string, string | undefined> = process.env) {
  return withTemporalConnection(readEnv(
    {
      ...databaseVariables(),
      ...temporalVariables(BILL_TASK_QUEUE),
      LOG_LEVEL: logLevel(),
      /** `/metrics` of the worker's own metrics (process, business counters). */
      ...metricsVariables('worker'),
      /** `/metrics` of the Temporal SDK's metrics (pollers, task latencies, slots), served by the SDK's core runtime. */
      TEMPORAL_METRICS_PORT: port(METRICS_PORTS.temporalSdk),
      /** bill-service: successful mandate collections become line items there, and its ledger takes invoices and payments. */
      BILL_SERVICE_URL: text('http://127.0.0.1:50051'),
      /** The rates service: a bill's close converts usage priced in another currency at a rate it answers. */
      RATES_SERVICE_URL: text('http://127.0.0.1:50052'),
      /** Presented to bill-service and the rates service on every call. */
      ...serviceCredentialVariables(),
      /** When a declined mandate charge is retried, counted from its due moment. */
      MANDATE_DUNNING_SCHEDULE: durations('1d,3d,5d', '1m', '60d'),
      /** How long a manual mandate's collection awaits approval after its due moment. */
      MANDATE_APPROVAL_WINDOW: duration('3d', '1m', '60d'),
      /** `true`: webhooks may go to http URLs and private or loopback addresses (local development only). */
      WEBHOOK_ALLOW_PRIVATE_URLS: parsed('false', flag),
      /** The deadline of one webhook attempt, from connecting to the answer; a 2xx within it is success. */
      WEBHOOK_TIMEOUT: duration('10s', '100ms', '60s'),
      /** The waits between a webhook's attempts; docs/events.md gives the default. */
      WEBHOOK_RETRY_SCHEDULE: retrySchedule(DEFAULT_RETRY_SCHEDULE_MS),
      /** Webhook attempts this process has in flight at once. */
      WEBHOOK_CONCURRENCY: integer(256, 1, 1_000),
      /**
       * The longest the dispatcher sleeps when nothing wakes it: how soon, after its lease runs out,
       * a delivery held by a crashed worker is sent by another.
       */
      WEBHOOK_POLL_INTERVAL: duration('30s', '100ms', '10m'),
      /**
       * Workflows kept in memory between their tasks (about 0.5–0.8 MB each, docs/operations.md);
       * one not kept is replayed from its history at its next task. 0: the SDK's default, sized
       * from the heap limit (about 2,400 at Node's default heap on a large machine).
       */
      WORKER_MAX_CACHED_WORKFLOWS: integer(0, 0, 100_000),
      /**
       * `true`: capture a stack for every promise created in workflow code, for the Temporal UI's
       * Stack Trace tab. Off by default: it costs worker CPU on every item (docs/operations.md).
       */
      WORKER_WORKFLOW_STACK_TRACES: parsed('false', flag),
      /**
       * How long one call into a workflow's sandbox may run before its task fails as a potential
       * deadlock (the SDK's 5 s). 0 turns that watchdog off, which saves CPU on every workflow task
       * and leaves a workflow stuck in a loop holding the thread (docs/operations.md).
       */
      WORKER_DEADLOCK_TIMEOUT: duration('5s', '0s', '1m'),
      /** The seller on every invoice (@billing/documents/seller, docs/invoices.md). */
      ...sellerVariables(),
    },
    source,
  ));
}

export type WorkerEnv = ReturnType<typeof readWorkerEnv>;
