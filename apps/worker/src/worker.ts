// Builds the worker (bill and mandate workflows on one task queue); main.ts owns the process
// around it, tests and the benchmark build their own.
import type { SellerIdentity } from '@billing/documents';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import type { Db } from '@billing/db';
import { createActivities } from './bills/bill-activities.ts';
import type { ExchangeRatePort } from './bills/exchange-rates.ts';
import type { BillActivities } from './bills/bill-activities.ts';
import type { BillPostingPort } from './mandates/bill-posting.ts';
import type { LedgerPostingPort } from './ledger/ledger-posting.ts';
import { createMandateActivities, type MandateActivities } from './mandates/mandate-activities.ts';
import { loggedNotifications } from './mandates/notifications.ts';
import { simulatedPayments } from './mandates/payments.ts';
import { bundleBillWorkflows } from './bundle.ts';
import { tracingConfigured, tracingWorkerOptions } from './tracing.ts';
import type { MandateSettings } from './workflows/mandate-plan.ts';

export const DEFAULT_MANDATE_SETTINGS: MandateSettings = {
  dunningRetriesMs: [1, 3, 5].map((days) => days * 86_400_000),
  approvalWindowMs: 3 * 86_400_000,
};

export interface BillWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  db: Db;
  taskQueue?: string;
  /**
   * Prebuilt bundle (production, tests), built with the tracing interceptors exactly when `tracing`
   * is on; without it the worker bundles from `workflowsPath` (production's workflows by default).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflowsPath?: string;
  /** Trace workflows and activities; by default, when the OTEL_* variables configure an endpoint. */
  tracing?: boolean;
  /** Replace single activities, e.g. to simulate a failure in a test. */
  activities?: Partial<BillActivities>;
  /** Where successful mandate collections become bill line items (production: bill-service over gRPC). */
  billPosting?: BillPostingPort;
  /** Where closed bills' invoices and mandate collections are booked (production: bill-service's LedgerService over gRPC). */
  ledger?: LedgerPostingPort;
  /**
   * Rates for usage priced in another currency than its bill's (production: the rates service over
   * gRPC); without it such usage closes at zero with the reason on its line.
   */
  exchangeRates?: ExchangeRatePort;
  mandateSettings?: MandateSettings;
  /** The seller on every invoice (SELLER_*); the development placeholder when not given. */
  seller?: SellerIdentity;
  /** Replace single mandate activities. */
  mandateActivities?: Partial<MandateActivities>;
  /** Workflows kept in the cache (the SDK's default otherwise). */
  maxCachedWorkflows?: number;
  /** Capture promise stacks for the `__stack_trace` query (off unless true; docs/operations.md). */
  workflowStackTraces?: boolean;
  /** The sandbox's deadlock watchdog per call, 0 = off (the SDK's 5 s unless given). */
  deadlockTimeoutMs?: number;
  /** Runs workflows on the calling thread, with no deadlock detection (test/item-cost.ts counts their promises there). */
  debugMode?: boolean;
}

/** With no bill-service configured, a successful collection's post fails and is retried until one is. */
const NO_BILL_SERVICE: BillPostingPort = {
  post: () => Promise.reject(new Error('no bill-service is configured for mandate collections')),
};

/**
 * With no ledger configured, posting fails and is retried: a bill stays CLOSING and then fails
 * after its invoicing hour, a collection's payment waits for a worker that has one.
 */
const NO_LEDGER: LedgerPostingPort = {
  postInvoice: () => Promise.reject(new Error('no ledger is configured for invoices')),
  recordCollection: () => Promise.reject(new Error('no ledger is configured for mandate collections')),
};

export async function createBillWorker(options: BillWorkerOptions): Promise<Worker> {
  const tracing = options.tracing ?? tracingConfigured();
  const workflowBundle = options.workflowBundle ?? await bundleBillWorkflows({ workflowsPath: options.workflowsPath, tracing });
  const ledger = options.ledger ?? NO_LEDGER;
  const mandateActivities = createMandateActivities({
    db: options.db, payments: simulatedPayments(options.db), notifications: loggedNotifications(options.db),
    bills: options.billPosting ?? NO_BILL_SERVICE, ledger, settings: options.mandateSettings ?? DEFAULT_MANDATE_SETTINGS,
  });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? BILL_TASK_QUEUE,
    workflowBundle,
    ...tracingWorkerOptions(tracing),
    activities: {
      ...createActivities({ db: options.db, ledger, exchangeRates: options.exchangeRates, seller: options.seller }, options.activities),
      ...options.activities, ...mandateActivities, ...options.mandateActivities,
    },
    // Many messages to one bill arrive together; let them share workflow tasks and activity slots.
    maxConcurrentActivityTaskExecutions: 100,
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    // Both options come from this project's patch of @temporalio/worker (patches/, docs/operations.md).
    workflowStackTraces: options.workflowStackTraces ?? false,
    ...(options.deadlockTimeoutMs === undefined ? {} : { isolateExecutionTimeout: options.deadlockTimeoutMs }),
    ...(options.debugMode ? { debugMode: true } : {}),
  });
}
