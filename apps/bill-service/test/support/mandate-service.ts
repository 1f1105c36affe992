// MandateService and PaymentSimulatorService built in this process over the suite's real
// PostgreSQL and Temporal, called in memory through Connect's router transport. Their workflows
// run on a task queue of their own, served by a worker here running the stand-in workflow, or
// (with `taskQueue`) on the suite's real worker.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient, createRouterTransport, type Client } from '@connectrpc/connect';
import { Client as TemporalClient, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { MandateService, PaymentSimulatorService } from '@billing/contracts';
import { createDb, type Db } from '@billing/db';
import { serverInterceptor } from '@billing/grpc-kit';
import { createLogger } from '@billing/runtime';
import { billCurrencyPolicy } from '../../src/bill-currencies.ts';
import { databaseErrors } from '../../src/database-errors.ts';
import { createMandateService } from '../../src/mandates/connect.ts';
import { MANDATE_SERVICE_ERRORS } from '../../src/mandates/mandate-errors.ts';
import { createPaymentSimulatorService } from '../../src/mandates/payment-simulator.ts';
import { testEnv } from './bill-service.ts';

export interface TestMandateService {
  mandates: Client<typeof MandateService>;
  simulator: Client<typeof PaymentSimulatorService>;
  db: Db;
  temporal: TemporalClient;
  taskQueue: string;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export interface TestMandateServiceOptions {
  /** Adds to or overrides the suite's environment, e.g. a BILL_CURRENCIES list. */
  extra?: Record<string, string>;
  /** The suite's real worker's task queue: mandates run the real workflow, and no stand-in worker starts. */
  taskQueue?: string;
  /** On the service's Temporal client, e.g. to deliver an Update to a run that has just ended. */
  interceptors?: WorkflowClientInterceptor[];
}

export async function startTestMandateService(now?: () => Date, options: TestMandateServiceOptions = {}): Promise<TestMandateService> {
  const env = testEnv(options.extra ?? {});
  const db = createDb({ url: env.DATABASE_URL, poolMax: 5 });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const temporal = new TemporalClient({
    connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: { workflow: options.interceptors ?? [] },
  });
  const taskQueue = options.taskQueue ?? `mandates-${randomUUID()}`;
  // The runtime is one per process; a file may start more than one service.
  if (!runtimeInstalled) Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
  const nativeConnection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
  const worker = options.taskQueue === undefined
    ? await Worker.create({
      connection: nativeConnection, namespace: env.TEMPORAL_NAMESPACE, taskQueue,
      workflowsPath: fileURLToPath(new URL('./workflows/stand-in-mandate.ts', import.meta.url)),
    })
    : undefined;
  const running = worker?.run();
  const logger = createLogger('bill-service', 'silent');
  // The same interceptor and mappers the real server applies, so codes are what callers get.
  const transport = createRouterTransport(({ service }) => {
    service(MandateService, createMandateService({ db, temporal, taskQueue, currencies: billCurrencyPolicy(env), now }));
    service(PaymentSimulatorService, createPaymentSimulatorService(db));
  }, {
    router: {
      interceptors: [serverInterceptor({
        logger, errorMappers: [databaseErrors], serviceErrorMappers: new Map([[MandateService.typeName, MANDATE_SERVICE_ERRORS]]),
      })],
    },
  });
  return {
    mandates: createClient(MandateService, transport),
    simulator: createClient(PaymentSimulatorService, transport),
    db, temporal, taskQueue,
    async close() {
      worker?.shutdown();
      await running;
      await Promise.all([connection.close(), nativeConnection.close(), db.destroy()]);
    },
  };
}
