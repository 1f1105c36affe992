import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgres, type PostgresHandle } from './postgres.ts';
import { BILL_TASK_QUEUE } from '@billing/bills';
import { hasWorkflowPoller, startTemporal, type TemporalHandle } from './temporal.ts';
import { freePort, isListening, waitFor } from './ports.ts';
import { runNodeProgram, startNodeProgram, type AppProcess } from './processes.ts';
import { inheritedServiceName } from './env.ts';
import { imageNodeFlags, repoRoot, telemetryRegister } from './paths.ts';

export type AppName = 'rates-service' | 'bill-service' | 'worker' | 'gateway';
/** Everything that serves Prometheus metrics: each app, and the worker's Temporal SDK runtime. */
export type MetricsSource = AppName | 'temporalSdk';

export interface StackOptions {
  /** Persistent state (PostgreSQL cluster, Temporal SQLite file); temporary when unset. */
  dataDir?: string;
  /** Use this PostgreSQL instead of starting one. */
  databaseUrl?: string;
  /** Use this Temporal instead of starting a dev server. */
  temporalAddress?: string;
  temporalNamespace?: string;
  /** 0 or unset picks a free port. */
  ports?: Partial<Record<'gateway' | 'billService' | 'ratesService' | 'temporal' | 'temporalUi' | 'postgres', number>>;
  /** Where each app serves `/metrics` (`temporalSdk`: the worker's Temporal SDK exporter); 0 or unset picks a free port. */
  metricsPorts?: Partial<Record<MetricsSource, number>>;
  apps?: AppName[];
  /** Extra environment for every app, e.g. a short grace period in tests. */
  env?: Record<string, string>;
  /** The platform key the gateway accepts (`BILLING_ADMIN_API_KEY`); a fresh one when unset. */
  adminApiKey?: string;
  print?: (line: string) => void;
}

export interface Stack {
  gatewayUrl: string;
  billServiceUrl: string;
  ratesServiceUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl: string | undefined;
  /** Each app's `/metrics` URL, and the worker's Temporal SDK one (`temporalSdk`). */
  metricsUrls: Record<MetricsSource, string>;
  /** The Temporal dev server's own metrics; undefined when the stack uses an external Temporal. */
  temporalServerMetricsUrl: string | undefined;
  /** A platform API key: send it as `Authorization: Bearer <key>` to the gateway. */
  adminApiKey: string;
  /** The secret the services require of every business call (`BILLING_SERVICE_TOKEN`). */
  serviceToken: string;
  /** Stops one app gracefully (SIGTERM). */
  stopApp(name: AppName): Promise<void>;
  /** Kills one app with SIGKILL, mid-request: for chaos tests; startApp brings it back. */
  killApp(name: AppName): Promise<void>;
  /** Starts one app (again) and waits until it is ready. */
  startApp(name: AppName): Promise<void>;
  stop(): Promise<void>;
}

/** Each app's entry point, run from source. */
export const APP_ENTRIES: Record<AppName, string> = {
  'rates-service': 'apps/rates-service/src/server.ts',
  'bill-service': 'apps/bill-service/src/server.ts',
  worker: 'apps/worker/src/main.ts',
  gateway: 'apps/gateway/src/server.ts',
};

/**
 * The whole system on this machine: PostgreSQL and Temporal (embedded unless given), the
 * migrations, then the apps in dependency order. `npm start` and the system tests share it.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const print = options.print ?? (() => {});
  const apps = options.apps ?? ['rates-service', 'bill-service', 'worker', 'gateway'];
  const port = async (name: keyof NonNullable<StackOptions['ports']>) => options.ports?.[name] || freePort();
  const cleanups: Array<() => Promise<void>> = [];
  const running = new Map<AppName, AppProcess>();

  const stop = async () => {
    await Promise.all([...running.values()].map((app) => app.stop()));
    running.clear();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => print(`cleanup failed: ${error}`));
    cleanups.length = 0;
  };

  try {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    let databaseUrl = options.databaseUrl;
    if (!databaseUrl) {
      const postgres: PostgresHandle = await startPostgres({
        dataDir: options.dataDir ? join(options.dataDir, 'postgres') : undefined,
        temporary: !options.dataDir,
        port: await port('postgres'),
      });
      cleanups.push(() => postgres.stop());
      databaseUrl = postgres.url;
    }

    let temporalAddress = options.temporalAddress;
    let temporalUiUrl: string | undefined;
    let temporalServerMetricsUrl: string | undefined;
    const temporalNamespace = options.temporalNamespace ?? 'default';
    if (!temporalAddress) {
      const temporal: TemporalHandle = await startTemporal({
        dbFile: options.dataDir ? join(options.dataDir, 'temporal.db') : undefined,
        port: await port('temporal'),
        uiPort: options.ports?.temporalUi,
        namespace: temporalNamespace,
        log: print,
      });
      cleanups.push(() => temporal.stop());
      temporalAddress = temporal.address;
      temporalUiUrl = temporal.uiUrl;
      temporalServerMetricsUrl = temporal.metricsUrl;
    }

    await runNodeProgram('packages/db/src/migrate.ts', { DATABASE_URL: databaseUrl }, repoRoot);

    const ports = {
      gateway: await port('gateway'),
      bill: await port('billService'),
      rates: await port('ratesService'),
    };
    // Free ports unless given, so stacks running side by side (parallel test files) never collide.
    const metricsPorts = {} as Record<MetricsSource, number>;
    for (const source of ['gateway', 'bill-service', 'rates-service', 'worker', 'temporalSdk'] as const) {
      metricsPorts[source] = options.metricsPorts?.[source] || await freePort();
    }
    const metricsUrls = Object.fromEntries(
      Object.entries(metricsPorts).map(([source, metricsPort]) => [source, `http://127.0.0.1:${metricsPort}/metrics`]),
    ) as Record<MetricsSource, string>;
    const urls = {
      gateway: `http://127.0.0.1:${ports.gateway}`,
      bill: `http://127.0.0.1:${ports.bill}`,
      rates: `http://127.0.0.1:${ports.rates}`,
    };
    // Both secrets are made per stack, so no two stacks (or test runs) share one.
    const adminApiKey = options.adminApiKey ?? newAdminApiKey();
    const serviceToken = options.env?.BILLING_SERVICE_TOKEN ?? randomBytes(32).toString('base64url');
    const env: Record<string, string> = {
      BILLING_ADMIN_API_KEY: adminApiKey,
      BILLING_SERVICE_TOKEN: serviceToken,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: temporalNamespace,
      GATEWAY_PORT: String(ports.gateway),
      BILL_SERVICE_PORT: String(ports.bill),
      RATES_SERVICE_PORT: String(ports.rates),
      BILL_SERVICE_URL: urls.bill,
      RATES_SERVICE_URL: urls.rates,
      TEMPORAL_METRICS_PORT: String(metricsPorts.temporalSdk),
      ...options.env,
    };

    const startApp = async (name: AppName) => {
      if (running.has(name)) return;
      const app = launchApp(name, { ...env, METRICS_PORT: String(metricsPorts[name]) }, { print, env: options.env });
      running.set(name, app);
      await appReady(name, app, env);
    };

    for (const name of apps) await startApp(name);

    return {
      gatewayUrl: urls.gateway,
      billServiceUrl: urls.bill,
      ratesServiceUrl: urls.rates,
      databaseUrl,
      temporalAddress,
      temporalNamespace,
      temporalUiUrl,
      metricsUrls,
      temporalServerMetricsUrl,
      adminApiKey,
      serviceToken,
      startApp,
      async stopApp(name) {
        await running.get(name)?.stop();
        running.delete(name);
      },
      async killApp(name) {
        await running.get(name)?.kill();
        running.delete(name);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts one app from source with `env` (the stack's variables, its own ports and METRICS_PORT);
 * OTEL_* pass through from this process's environment (or `options.env`) to every app.
 */
export function launchApp(name: AppName, env: Record<string, string>, options: { print?: (line: string) => void; env?: Record<string, string>; label?: string } = {}): AppProcess {
  const serviceName = options.env?.OTEL_SERVICE_NAME ?? inheritedServiceName() ?? name;
  return startNodeProgram(options.label ?? name, APP_ENTRIES[name], { ...env, OTEL_SERVICE_NAME: serviceName }, {
    cwd: repoRoot, print: options.print, preload: [telemetryRegister], nodeFlags: imageNodeFlags(name),
  });
}

/**
 * Waits until an app started by launchApp with `env` is ready: the services listen on their port,
 * the gateway answers /healthz, and a worker polls for workflow tasks (this very process, so a
 * second worker on the queue is not taken for ready by the first one's poller). A worker is ready
 * only after it has bundled its workflows: `npm start` says it is up, and a first request is
 * answered, only then.
 */
export async function appReady(kind: AppName, app: AppProcess, env: Record<string, string>): Promise<void> {
  const name = app.name;
  let exited = app.child.exitCode !== null || app.child.signalCode !== null;
  app.child.once('exit', () => {
    exited = true;
  });
  const ready = {
    'rates-service': () => isListening(Number(env.RATES_SERVICE_PORT)),
    'bill-service': () => isListening(Number(env.BILL_SERVICE_PORT)),
    gateway: async () => (await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/healthz`)).ok,
    worker: () => hasWorkflowPoller(env.TEMPORAL_ADDRESS as string, env.TEMPORAL_NAMESPACE ?? 'default', env.TEMPORAL_TASK_QUEUE ?? BILL_TASK_QUEUE, app.child.pid),
  }[kind];
  // An app that exits ends the wait at once (waitFor takes a probe's error for "not yet").
  await waitFor(name, async () => exited || ready(), kind === 'worker' ? 180_000 : 60_000);
  if (exited) throw new Error(`${name} exited during start-up`);
}

/** An admin key in the gateway's own key format (`bsk_` and 256 random bits), so secret scanners know it too. */
export function newAdminApiKey(): string {
  return `bsk_${randomBytes(32).toString('base64url')}`;
}
