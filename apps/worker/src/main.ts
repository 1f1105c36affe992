// The worker process, where background work runs: it connects to Temporal and PostgreSQL, runs
// bill and mandate workflows and their activities, and delivers webhooks, until SIGINT/SIGTERM;
// then it lets running tasks and webhook attempts finish before it exits.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDb } from '@billing/db';
import { connectToService } from '@billing/grpc-kit';
import { describeTemporalConnection, runApp, type Logger, type RunningApp } from '@billing/runtime';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createWebhookSender } from '@billing/webhooks';
import { grpcBillPosting } from './mandates/bill-posting.ts';
import { bundleBillWorkflows, prebuiltBundleName } from './bundle.ts';
import { cachedWorkflowBundle } from './bundle-cache.ts';
import { BILL_SERVICE_CALL_TIMEOUT_MS, RATES_SERVICE_CALL_TIMEOUT_MS } from './deadlines.ts';
import { grpcExchangeRates } from './bills/exchange-rates.ts';
import { readWorkerEnv, type WorkerEnv } from './env.ts';
import { sellerIdentity } from '@billing/documents/seller';
import { grpcLedgerPosting } from './ledger/ledger-posting.ts';
import { tracingConfigured } from './tracing.ts';
import { startWebhookDispatcher } from './webhooks/dispatcher.ts';
import { createBillWorker } from './worker.ts';

async function start(env: WorkerEnv, logger: Logger): Promise<RunningApp> {
  const db = createDb({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, applicationName: 'billing-worker' });
  let connection: NativeConnection | undefined;
  // One HTTP/2 connection per upstream service, shared by every port to it.
  const billService = connectToService(env.BILL_SERVICE_URL, {
    name: 'bill-service', timeoutMs: BILL_SERVICE_CALL_TIMEOUT_MS, serviceCredential: env.BILLING_SERVICE_TOKEN,
  });
  const ratesService = connectToService(env.RATES_SERVICE_URL, {
    name: 'rates-service', timeoutMs: RATES_SERVICE_CALL_TIMEOUT_MS, serviceCredential: env.BILLING_SERVICE_TOKEN,
  });
  const exchangeRates = grpcExchangeRates(ratesService.transport, db);
  const billPosting = grpcBillPosting(billService.transport);
  const ledger = grpcLedgerPosting(billService.transport);
  const sender = createWebhookSender({ policy: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE_URLS }, timeoutMs: env.WEBHOOK_TIMEOUT });
  const release = async () => {
    billService.close();
    ratesService.close();
    await sender.close();
    await connection?.close();
    await db.destroy();
  };
  let worker;
  try {
    // The SDK's own metrics (pollers, schedule-to-start and task latencies, slots in use) come from
    // its core runtime, which serves them itself; it must be installed before the first connection.
    Runtime.install({
      telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${env.TEMPORAL_METRICS_PORT}` } } },
    });
    logger.info({ port: env.TEMPORAL_METRICS_PORT, path: '/metrics' }, 'temporal sdk metrics listening');
    // Plaintext, TLS, mutual TLS or an API key, as TEMPORAL_* configure it (@billing/runtime).
    connection = await NativeConnection.connect(env.temporalConnection);
    // `pnpm build` writes both bundles to dist/ ahead of time; run from src/ (dev, tests) the worker
    // builds the one it needs, or reuses the one it built from the same sources (bundle-cache.ts).
    // With tracing off, the bundle without the tracing interceptors (bundle.ts says why).
    const tracing = tracingConfigured();
    const prebuilt = fileURLToPath(new URL(`./${prebuiltBundleName(tracing)}`, import.meta.url));
    const workflowBundle = existsSync(prebuilt)
      ? { codePath: prebuilt }
      : await cachedWorkflowBundle(tracing ? 'workflows-traced' : 'workflows-untraced', () => bundleBillWorkflows({ tracing }));
    logger.info({ tracing, prebuilt: existsSync(prebuilt) }, 'workflow bundle chosen');
    worker = await createBillWorker({
      connection, namespace: env.TEMPORAL_NAMESPACE, db, taskQueue: env.TEMPORAL_TASK_QUEUE, workflowBundle, tracing, billPosting, ledger, exchangeRates,
      seller: sellerIdentity(env),
      mandateSettings: { dunningRetriesMs: env.MANDATE_DUNNING_SCHEDULE, approvalWindowMs: env.MANDATE_APPROVAL_WINDOW },
      ...(env.WORKER_MAX_CACHED_WORKFLOWS > 0 ? { maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS } : {}),
      workflowStackTraces: env.WORKER_WORKFLOW_STACK_TRACES, deadlockTimeoutMs: env.WORKER_DEADLOCK_TIMEOUT,
    });
  } catch (error) {
    await release();
    throw error;
  }

  const running = worker.run();
  logger.info({ ...describeTemporalConnection(env.temporalConnection), namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE },
    'worker polling');
  const dispatcher = startWebhookDispatcher({
    db, databaseUrl: env.DATABASE_URL, logger, sender, timeoutMs: env.WEBHOOK_TIMEOUT, retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
    concurrency: env.WEBHOOK_CONCURRENCY, pollIntervalMs: env.WEBHOOK_POLL_INTERVAL,
  });
  logger.info({ concurrency: env.WEBHOOK_CONCURRENCY, allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS }, 'webhook dispatcher running');
  return {
    // Polling that fails for good ends run(); runApp treats that as fatal.
    finished: Promise.race([running, dispatcher.finished]),
    async close() {
      // Stop polling and claiming, let running tasks and webhook attempts finish, then close connections.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all([running, dispatcher.stop()]);
      await release();
    },
  };
}

runApp({ name: 'worker', readEnv: readWorkerEnv, start });
