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
    // Ports are taken when a replica first starts, not all up front: a port chosen by the kernel is
    // only free until something else (another stack, an outgoing connection) takes it, and the
    // later replicas start tens of seconds after the first. A first start that fails because its
    // port was taken meanwhile is made again on new ports; later starts keep the replica's ports.
    const ports = new Map<string, { own?: number; metrics: number; temporalMetrics?: number }>();
    const urlOf = (port: number) => `http://127.0.0.1:${port}`;
    const listOf = (app: AppName) => replicas.filter((replica) => replica.app === app && replica.url !== undefined).map((replica) => replica.url).join(',');
    const PORT_VARIABLE: Partial<Record<AppName, string>> = {
      'rates-service': 'RATES_SERVICE_PORT', 'bill-service': 'BILL_SERVICE_PORT', gateway: 'GATEWAY_PORT',
    };
    const assignPorts = async (replica: Replica) => {
      const own = PORT_VARIABLE[replica.app] ? await freePort() : undefined;
      const taken = { own, metrics: await freePort(), ...(replica.app === 'worker' ? { temporalMetrics: await freePort() } : {}) };
      ports.set(replica.id, taken);
      replica.url = own === undefined ? undefined : urlOf(own);
      replica.metricsUrl = `${urlOf(taken.metrics)}/metrics`;
      if (taken.temporalMetrics !== undefined) replica.temporalMetricsUrl = `${urlOf(taken.temporalMetrics)}/metrics`;
      const variable = PORT_VARIABLE[replica.app];
      envs.set(replica.id, {
        BILLING_ADMIN_API_KEY: base.adminApiKey,
        BILLING_SERVICE_TOKEN: base.serviceToken,
        DATABASE_URL: base.databaseUrl,
        TEMPORAL_ADDRESS: base.temporalAddress,
        TEMPORAL_NAMESPACE: base.temporalNamespace,
        // Every replica of the services started before this one (rates-services, then bill-services).
        BILL_SERVICE_URL: listOf('bill-service'),
        RATES_SERVICE_URL: listOf('rates-service'),
        TEMPORAL_TASK_QUEUE: BILL_TASK_QUEUE,
        ...options.env,
        ...(variable && own !== undefined ? { [variable]: String(own) } : {}),
        ...(taken.temporalMetrics === undefined ? {} : { TEMPORAL_METRICS_PORT: String(taken.temporalMetrics) }),
        METRICS_PORT: String(taken.metrics),
      });
    };
    for (const app of ['rates-service', 'bill-service', 'worker', 'gateway'] as const) {
      for (let index = 0; index < options.replicas[app]; index++) replicas.push({ id: `${app}-${index + 1}`, app, metricsUrl: '' });
    }

    const start = async (id: string) => {
      if (processes.has(id)) return;
      const replica = replicas.find((candidate) => candidate.id === id);
      if (!replica) throw new Error(`no replica ${id}`);
      const first = !ports.has(id);
      for (let attempt = 1; ; attempt++) {
        if (!ports.has(id)) await assignPorts(replica);
        const env = envs.get(id) as Record<string, string>;
        const output: string[] = [];
        const app = launchApp(replica.app, env, { print: (line) => { output.push(line); print(line); }, env: options.env, label: id });
        processes.set(id, app);
        try {
          await appReady(replica.app, app, env);
          return;
        } catch (error) {
          await app.kill();
          processes.delete(id);
          if (!first || attempt >= 3 || !output.some((line) => line.includes('EADDRINUSE'))) throw error;
          ports.delete(id);
        }
      }
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
