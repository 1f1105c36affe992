import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { temporalServerEnv } from './env.ts';
import { freePort, waitFor } from './ports.ts';
import { toolPath } from './paths.ts';
import { stopProcess } from './processes.ts';

/**
 * The search attributes the workflows set (`billSearchAttributes` in @billing/bills,
 * `mandateSearchAttributes` in @billing/mandates). The dev
 * server registers them at start; the docker-compose setup registers the same list with
 * `temporal operator search-attribute create` (infra/temporal/register-search-attributes.sh).
 */
export const SEARCH_ATTRIBUTES = {
  BillCustomerId: 'Keyword',
  BillPeriod: 'Keyword',
  BillStatus: 'Keyword',
  BillCurrency: 'Keyword',
  BillPeriodNum: 'Int',
  BillItemCount: 'Int',
  BillTotalMinor: 'Int',
  MandateCustomerId: 'Keyword',
  MandateStatus: 'Keyword',
  MandateNextCollection: 'Datetime',
} as const;

export interface TemporalOptions {
  /** SQLite file for the dev server's state; in memory when unset. */
  dbFile?: string;
  port?: number;
  /** The Web UI's port; no UI when unset. */
  uiPort?: number;
  namespace?: string;
  /** Where the server serves its own Prometheus metrics; a free port when unset. */
  metricsPort?: number;
  log?: (line: string) => void;
}

export interface TemporalHandle {
  address: string;
  namespace: string;
  uiUrl: string | undefined;
  /** The server's own metrics (frontend, persistence, ...), as the compose Prometheus scrapes them from Temporal. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/** Runs the Temporal CLI's dev server (a real Temporal with SQLite) until `stop`. */
export async function startTemporal(options: TemporalOptions = {}): Promise<TemporalHandle> {
  const port = options.port ?? await freePort();
  const namespace = options.namespace ?? 'default';
  const metricsPort = options.metricsPort ?? await freePort();
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', namespace,
    // Without a file the dev server keeps its SQLite in memory: nothing to clean up, and less
    // I/O for the tests and benchmarks that start one per run.
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    '--log-level', 'error',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    '--metrics-port', String(metricsPort),
    // Eager activities: the activity a workflow task schedules (a bill's item write) comes back
    // with that task's completion instead of a second trip through matching. The same setting
    // is in infra/temporal/dynamicconfig/billing.yaml for the compose cluster.
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  const child: ChildProcess = spawn(toolPath('temporal'), args, { stdio: ['ignore', 'pipe', 'pipe'], env: temporalServerEnv() });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    options.log?.(text.trimEnd());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const address = `127.0.0.1:${port}`;
  try {
    await waitFor('Temporal dev server', async () => {
      if (exited) throw new Error(`temporal exited: ${output.join('').slice(-2000)}`);
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    }, 60_000);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }

  return {
    address,
    namespace,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    async stop() {
      await stopProcess(child);
    },
  };
}

/**
 * Whether some worker polls `taskQueue` for workflow tasks, i.e. workflows started now will run.
 * A worker bundles its workflows before it polls, which takes a while on a busy machine.
 * With `pid`, only that process's poller counts (the SDK's identity is `pid@host`), so a second
 * worker on the queue is not taken for ready by the first one's.
 */
export async function hasWorkflowPoller(address: string, namespace: string, taskQueue: string, pid?: number): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    // TASK_QUEUE_TYPE_WORKFLOW
    const { pollers } = await connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType: 1 });
    return pid === undefined ? pollers.length > 0 : pollers.some((poller) => poller.identity?.startsWith(`${pid}@`));
  } finally {
    await connection.close();
  }
}
