import {
  BillService, CustomerService, CreditNoteService, EventService, LedgerService, MandateService, PaymentSimulatorService, RatesService, UsageService, WebhookService,
} from '@billing/contracts';
import { createGrpcClient, createGrpcServer, serve, type GrpcServer } from '@billing/grpc-kit';
import type { Logger } from '@billing/runtime';
import type { BillServiceEnv } from './env.ts';
import { dependencyChecks, openDependencies, type Dependencies } from './dependencies.ts';
import { billCurrencyPolicy } from './bill-currencies.ts';
import { BILL_SERVICE_ERRORS } from './bills/bill-errors.ts';
import { createBillService } from './bills/connect.ts';
import { createCreditNoteService, creditNoteErrors } from './credit-notes/connect.ts';
import { sellerIdentity } from '@billing/documents/seller';
import { createCustomerService } from './customers/connect.ts';
import { customersRepository } from './customers/customers-repository.ts';
import { databaseErrors } from './database-errors.ts';
import { createEventService } from './events/connect.ts';
import { eventFeed } from './events/event-feed.ts';
import { eventsRepository } from './events/events-repository.ts';
import { startEventRetention } from './events/retention.ts';
import { createLedgerService } from './ledger/connect.ts';
import { ledgerErrors } from './ledger/ledger-errors.ts';
import { createMandateService } from './mandates/connect.ts';
import { MANDATE_SERVICE_ERRORS } from './mandates/mandate-errors.ts';
import { createPaymentSimulatorService } from './mandates/payment-simulator.ts';
import { createUsageService, USAGE_CUSTOMER_FREE, usageErrors } from './usage/connect.ts';
import { startUsageMaintenance } from './usage/maintenance.ts';
import { createWebhookService } from './webhooks/connect.ts';
import { deliveriesRepository } from './webhooks/deliveries-repository.ts';
import { endpointsRepository } from './webhooks/endpoints-repository.ts';

/**
 * Builds and starts the gRPC server; the caller owns the process (see server.ts). `deps`: the
 * pool and Temporal client to use (opened from `env` unless given); closed with the server.
 */
export async function startBillService(env: BillServiceEnv, logger: Logger, deps: Dependencies = openDependencies(env)): Promise<GrpcServer> {
  const ratesClient = createGrpcClient(RatesService, env.RATES_SERVICE_URL, {
    timeoutMs: env.RATES_TIMEOUT, serviceCredential: env.BILLING_SERVICE_TOKEN,
  });
  const events = eventsRepository(deps.db);
  const feed = eventFeed(events, { url: env.DATABASE_URL, logger });
  let server: GrpcServer;
  try {
    server = await createGrpcServer({
      services: [
        // Each domain words its own failures; the database's are mapped once for all, below.
        serve(BillService, createBillService({ db: deps.db, temporal: deps.temporal, env, logger, ratesClient }), {
          errorMappers: BILL_SERVICE_ERRORS,
        }),
        serve(MandateService, createMandateService({
          db: deps.db, temporal: deps.temporal, taskQueue: env.TEMPORAL_TASK_QUEUE, currencies: billCurrencyPolicy(env),
        }), { errorMappers: MANDATE_SERVICE_ERRORS }),
        serve(PaymentSimulatorService, createPaymentSimulatorService(deps.db)),
        serve(LedgerService, createLedgerService({ db: deps.db, units: env.LEDGER_UNITS }), { errorMappers: [ledgerErrors] }),
        serve(CreditNoteService, createCreditNoteService({ db: deps.db, units: env.LEDGER_UNITS, seller: sellerIdentity(env) }), {
          errorMappers: [creditNoteErrors],
        }),
        serve(EventService, createEventService({ events, feed })),
        serve(WebhookService, createWebhookService({
          endpoints: endpointsRepository(deps.db), deliveries: deliveriesRepository(deps.db),
          addressPolicy: { allowPrivate: env.WEBHOOK_ALLOW_PRIVATE_URLS },
        })),
        serve(CustomerService, createCustomerService({ customers: customersRepository(deps.db), currencies: billCurrencyPolicy(env) })),
        serve(UsageService, createUsageService({ db: deps.db }), { errorMappers: [usageErrors], customerFree: USAGE_CUSTOMER_FREE }),
      ],
      errorMappers: [databaseErrors],
      healthChecks: dependencyChecks(deps, env.TEMPORAL_NAMESPACE),
      logger,
      port: env.BILL_SERVICE_PORT,
      serviceCredential: env.BILLING_SERVICE_TOKEN,
      host: env.BILL_SERVICE_HOST,
    });
  } catch (error) {
    // Nothing listens (a port in use, say): release the pool and the Temporal connection.
    await deps.close();
    throw error;
  }
  const stopRetention = startEventRetention(deps.db, {
    retentionMs: env.EVENT_RETENTION, intervalMs: env.EVENT_RETENTION_SWEEP, logger,
  });
  const stopUsageMaintenance = startUsageMaintenance(deps.db, {
    retentionMs: env.USAGE_RETENTION, intervalMs: env.USAGE_MAINTENANCE_SWEEP, logger,
  });
  return {
    port: server.port,
    host: server.host,
    async close() {
      stopRetention();
      stopUsageMaintenance();
      await feed.close();
      await server.close();
      await deps.close();
    },
  };
}
