// What another package may use of bill-service without its process: its service implementations
// and their error mappers, to serve them in a test's own process over real gRPC, and the bill
// workflows' Temporal client, which the benchmark drives directly. Nothing else imports its src/.
export { loadEnv, type BillServiceEnv } from './env.ts';
export { databaseErrors } from './database-errors.ts';
export { billWorkflows } from './bills/bill-workflows.ts';
export { createLedgerService, type LedgerServiceDeps } from './ledger/connect.ts';
export { ledgerErrors } from './ledger/ledger-errors.ts';
export { ledgerMetrics } from './ledger/ledger-metrics.ts';
export { createWebhookService, type WebhookServiceDeps } from './webhooks/connect.ts';
export { deliveriesRepository } from './webhooks/deliveries-repository.ts';
export { endpointsRepository } from './webhooks/endpoints-repository.ts';
export { startBillService } from './app.ts';
export { ingestEvents, type IncomingEvent, type IngestOutcome } from './usage/ingest.ts';
export { createCustomerService, type CustomerServiceDeps } from './customers/connect.ts';
export { customersRepository } from './customers/customers-repository.ts';
export { createCreditNoteService, creditNoteErrors, type CreditNoteServiceDeps } from './credit-notes/connect.ts';
