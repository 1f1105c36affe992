import { BILL_TASK_QUEUE } from '@billing/bills';
import { freePort } from './ports.ts';
import type { AppProcess } from './processes.ts';
import { appReady, launchApp, startStack, type AppName } from './stack.ts';

/** One running copy of an app: `gateway-2`, `bill-service-1`, ... */
export interface Replica {
  id: string;
  app: AppName;
  /** The gateway's HTTP base URL, or the service's gRPC one; unset for a worker. */
  url?: string;
  /** Its `/metrics` (a worker: its app metrics; the SDK's are on `temporalMetricsUrl`). */
  metricsUrl: string;
  temporalMetricsUrl?: string;
}

export interface ReplicaStack {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  adminApiKey: string;
  serviceToken: string;
  replicas: Replica[];
  /** The replicas of one app. */
  of(app: AppName): Replica[];
  /** SIGKILL, mid-request. */
  killReplica(id: string): Promise<void>;
  /** SIGTERM: the replica drains and exits. */
  stopReplica(id: string): Promise<void>;
  /** Starts it again with the same ports, and waits until it is ready. */
  startReplica(id: string): Promise<void>;
  /** Stops every replica, then PostgreSQL and Temporal. */
  stop(): Promise<void>;
}

export interface ReplicaStackOptions {
  /** How many copies of each app. */
  replicas: Record<AppName, number>;
  /** Extra environment for every app. */
  env?: Record<string, string>;
  print?: (line: string) => void;
}

/**
 * Several replicas of every app on this machine, over one PostgreSQL and one Temporal dev server
 * (started as for one stack, by startStack), the workers on one task queue. Every gateway and
 * worker is given all bill-services, and every gateway and bill-service all rates-services, as a
 * comma-separated list: grpc-kit spreads their calls one by one. A load balancer in front of the
 * gateways is the caller's to start.
 */
export async function startReplicaStack(options: ReplicaStackOptions): Promise<ReplicaStack> {
  const print = options.print ?? (() => {});
  const base = await startStack({ apps: [], env: options.env, print });
  const processes = new Map<string, AppProcess>();
  const envs = new Map<string, Record<string, string>>();
  const replicas: Replica[] = [];
  try {
    const ports = async (count: number) => Promise.all(Array.from({ length: count }, () => freePort()));
    const billPorts = await ports(options.replicas['bill-service']);
    const ratesPorts = await ports(options.replicas['rates-service']);
    const gatewayPorts = await ports(options.replicas.gateway);
    const common: Record<string, string> = {
      BILLING_ADMIN_API_KEY: base.adminApiKey,
      BILLING_SERVICE_TOKEN: base.serviceToken,
      DATABASE_URL: base.databaseUrl,
      TEMPORAL_ADDRESS: base.temporalAddress,
      TEMPORAL_NAMESPACE: base.temporalNamespace,
      BILL_SERVICE_URL: billPorts.map((port) => `http://127.0.0.1:${port}`).join(','),
      RATES_SERVICE_URL: ratesPorts.map((port) => `http://127.0.0.1:${port}`).join(','),
      TEMPORAL_TASK_QUEUE: BILL_TASK_QUEUE,
      ...options.env,
    };
    const own: Record<AppName, (index: number) => Promise<{ env: Record<string, string>; url?: string }>> = {
      'rates-service': async (index) => ({ env: { RATES_SERVICE_PORT: String(ratesPorts[index]) }, url: `http://127.0.0.1:${ratesPorts[index]}` }),
      'bill-service': async (index) => ({ env: { BILL_SERVICE_PORT: String(billPorts[index]) }, url: `http://127.0.0.1:${billPorts[index]}` }),
      gateway: async (index) => ({ env: { GATEWAY_PORT: String(gatewayPorts[index]) }, url: `http://127.0.0.1:${gatewayPorts[index]}` }),
      worker: async () => ({ env: { TEMPORAL_METRICS_PORT: String(await freePort()) } }),
    };
    for (const app of ['rates-service', 'bill-service', 'worker', 'gateway'] as const) {
      for (let index = 0; index < options.replicas[app]; index++) {
        const id = `${app}-${index + 1}`;
        const metricsPort = await freePort();
        const { env, url } = await own[app](index);
        envs.set(id, { ...common, ...env, METRICS_PORT: String(metricsPort) });
        replicas.push({
          id, app, url, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
          ...(env.TEMPORAL_METRICS_PORT ? { temporalMetricsUrl: `http://127.0.0.1:${env.TEMPORAL_METRICS_PORT}/metrics` } : {}),
        });
      }
    }

    const start = async (id: string) => {
      if (processes.has(id)) return;
      const replica = replicas.find((candidate) => candidate.id === id);
      const env = envs.get(id);
      if (!replica || !env) throw new Error(`no replica ${id}`);
      const app = launchApp(replica.app, env, { print, env: options.env, label: id });
      processes.set(id, app);
      await appReady(replica.app, app, env);
    };
    const startAll = (app: AppName) => Promise.all(replicas.filter((replica) => replica.app === app).map((replica) => start(replica.id)));
    await startAll('rates-service');
    await startAll('bill-service');
    // The first worker bundles the workflows into the shared cache; the others reuse the bundle.
    const [firstWorker] = replicas.filter((replica) => replica.app === 'worker');
    if (firstWorker) await start(firstWorker.id);
    await Promise.all([startAll('worker'), startAll('gateway')]);

    const stop = async () => {
      await Promise.all([...processes.values()].map((app) => app.stop()));
      processes.clear();
      await base.stop();
    };
    return {
      databaseUrl: base.databaseUrl,
      temporalAddress: base.temporalAddress,
      temporalNamespace: base.temporalNamespace,
      adminApiKey: base.adminApiKey,
      serviceToken: base.serviceToken,
      replicas,
      of: (app) => replicas.filter((replica) => replica.app === app),
      async killReplica(id) {
        await processes.get(id)?.kill();
        processes.delete(id);
      },
      async stopReplica(id) {
        await processes.get(id)?.stop();
        processes.delete(id);
      },
      startReplica: start,
      stop,
    };
  } catch (error) {
    await Promise.all([...processes.values()].map((app) => app.kill()));
    await base.stop();
    throw error;
  }
}
