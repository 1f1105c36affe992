// Every deadline the worker puts on work it hands to someone else, in one place: each gRPC call to
// bill-service, and each activity the workflows schedule (with the retry policy that decides what
// a timed-out attempt leads to). The webhook attempt's deadline is configurable, so it is read by
// env.ts (`WEBHOOK_TIMEOUT`) instead.
//
// The workflows import this module, so it is bundled into Temporal's sandbox: it holds plain
// values only. Changing a value changes the options of activities scheduled from then on (a
// recorded history still replays: options are not compared on replay).
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/common';

/** Each call to bill-service (a collection's line item, a ledger posting); an activity retries one that times out. */
export const BILL_SERVICE_CALL_TIMEOUT_MS = 10_000;

/** Each call to the rates service (a rate for usage priced in another currency at a bill's close); the close retries one that times out. */
export const RATES_SERVICE_CALL_TIMEOUT_MS = 5_000;

/** The bill workflow's activities (src/workflows/bill.ts). */
export const BILL_ACTIVITIES = {
  // An accepted item must never be lost: writes retry until PostgreSQL takes them, unless the
  // activity says the database refuses them for good.
  store: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '30s' },
  },
  // The same write as a local activity: each attempt ends well inside the workflow task's 10 s
  // timeout, and retries further apart than 2 s wait on a timer instead of holding the task.
  storeLocally: {
    startToCloseTimeout: '5s',
    localRetryThreshold: '2s',
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '30s' },
  },
  // Invoicing (the ledger included) gives up after an hour of failures and leaves the bill FAILED with the reason.
  invoicing: {
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: '1h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
  },
} as const satisfies Record<string, ActivityOptions | LocalActivityOptions>;

/** The mandate workflow's activities (src/workflows/mandate.ts). */
export const MANDATE_ACTIVITIES = {
  // The read model must take every state: writes retry until PostgreSQL takes them.
  store: {
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
  },
  // A charge is idempotent on its key, so a transient failure is retried until the provider answers;
  // only a decline (an answer) goes to dunning.
  payments: {
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  },
  // The bill line item and the ledger's payment are idempotent on the same key: retried until bill-service takes them.
  billing: {
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
  },
} as const satisfies Record<string, ActivityOptions>;
