import { BillService, LedgerService, MandateService, PaymentSimulatorService, RatesService } from '@billing/contracts';
import { createGrpcClient, createGrpcServer, serve, type GrpcServer } from '@billing/grpc-kit';
import type { Logger } from '@billing/runtime';
import type { BillServiceEnv } from './env.ts';
import { dependencyChecks, openDependencies } from './dependencies.ts';
import { billCurrencyPolicy } from './bill-currencies.ts';
import { createBillService } from './bills/connect.ts';
import { billErrors } from './errors.ts';
import { createLedgerService } from './ledger/connect.ts';
import { createMandateService } from './mandates/connect.ts';
import { createPaymentSimulatorService } from './mandates/payment-simulator.ts';

/** Builds and starts the gRPC server; the caller owns the process (see server.ts). */
export async function startBillService(env: BillServiceEnv, logger: Logger): Promise<GrpcServer> {
  const deps = openDependencies(env);
  const ratesClient = createGrpcClient(RatesService, env.RATES_SERVICE_URL, { timeoutMs: env.RATES_TIMEOUT });
  let server: GrpcServer;
  try {
    server = await createGrpcServer({
      services: [
        serve(BillService, createBillService({ db: deps.db, temporal: deps.temporal, env, logger, ratesClient })),
        serve(MandateService, createMandateService({
          db: deps.db, temporal: deps.temporal, taskQueue: env.TEMPORAL_TASK_QUEUE, currencies: billCurrencyPolicy(env),
        })),
        serve(PaymentSimulatorService, createPaymentSimulatorService(deps.db)),
        serve(LedgerService, createLedgerService({ db: deps.db, units: env.LEDGER_UNITS })),
      ],
      errorMappers: [billErrors],
      healthChecks: dependencyChecks(deps, env.TEMPORAL_NAMESPACE),
      logger,
      port: env.BILL_SERVICE_PORT,
      host: env.BILL_SERVICE_HOST,
    });
  } catch (error) {
    // Nothing listens (a port in use, say): release the pool and the Temporal connection.
    await deps.close();
    throw error;
  }
  return {
    port: server.port,
    host: server.host,
    async close() {
      await server.close();
      await deps.close();
    },
  };
}
