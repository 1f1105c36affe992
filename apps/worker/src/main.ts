// The worker process: connects to Temporal and PostgreSQL, runs bill workflows and their
// activities until SIGINT/SIGTERM, then lets running tasks finish before it exits.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDb } from '@billing/db';
import { createLogger, onShutdown } from '@billing/runtime';
import { NativeConnection } from '@temporalio/worker';
import { bundleBillWorkflows } from './bundle.ts';
import { readWorkerEnv } from './env.ts';
import { createBillWorker } from './worker.ts';

const env = readWorkerEnv();
const logger = createLogger('worker', env.LOG_LEVEL);
const prebuilt = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

const db = createDb({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, applicationName: 'billing-worker' });
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
// In dev (run from src/) the bundle is built at start; `pnpm build` writes it to dist/ ahead of time.
const workflowBundle = existsSync(prebuilt) ? { codePath: prebuilt } : await bundleBillWorkflows();
const worker = await createBillWorker({
  connection, namespace: env.TEMPORAL_NAMESPACE, db, taskQueue: env.TEMPORAL_TASK_QUEUE, workflowBundle,
});

const running = worker.run();
logger.info({ address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE },
  'worker polling');

async function release(): Promise<void> {
  await connection.close();
  await db.destroy();
}

onShutdown(async () => {
  // Stop polling, let running workflow and activity tasks finish, then close connections.
  worker.shutdown();
  await running;
  await release();
  logger.info('worker stopped');
}, (message) => logger.info(message));

running.catch(async (error: unknown) => {
  logger.fatal({ err: error }, 'worker failed');
  await release();
  process.exit(1);
});
