import { createClient, type CallOptions, type Client, type Transport } from '@connectrpc/connect';
import {
  BillService, CustomerService, EventService, CreditNoteService, LedgerService, MandateService, PaymentSimulatorService, RatesService, UsageService, WebhookService, health,
} from '@billing/contracts';
import { connectToService, principalHeaders } from '@billing/grpc-kit';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import type { Caller } from './access/authentication.ts';
import { CALL_TIMEOUT_MS } from './deadlines.ts';

/** One transport per backend service; tests pass in-memory router transports instead. */
export interface ServiceTransports {
  rates: Transport;
  bills: Transport;
}

export interface ServiceClients {
  rates: Client<typeof RatesService>;
  bills: Client<typeof BillService>;
  /** Served by bill-service, over its transport. */
  mandates: Client<typeof MandateService>;
  paymentSimulator: Client<typeof PaymentSimulatorService>;
  ledger: Client<typeof LedgerService>;
  creditNotes: Client<typeof CreditNoteService>;
  events: Client<typeof EventService>;
  webhooks: Client<typeof WebhookService>;
  usage: Client<typeof UsageService>;
  customers: Client<typeof CustomerService>;
  ratesHealth: Client<typeof health.Health>;
  billsHealth: Client<typeof health.Health>;
}

export interface GrpcConnections {
  transports: ServiceTransports;
  /** Closes the HTTP/2 sessions so the process can exit without waiting for idle timeouts. */
  close(): void;
}

/**
 * gRPC over HTTP/2 to each service, one shared session each (see grpc-kit's connectToService):
 * a service that cannot be reached or stops answering mid-call fails the call with `unavailable`,
 * and the next call dials again, so the gateway recovers by itself once the service is back.
 */
export function connectToServices(urls: { rates: string; bills: string }, serviceCredential: string): GrpcConnections {
  const rates = connectToService(urls.rates, { name: 'rates-service', timeoutMs: CALL_TIMEOUT_MS, serviceCredential });
  const bills = connectToService(urls.bills, { name: 'bill-service', timeoutMs: CALL_TIMEOUT_MS, serviceCredential });
  return {
    transports: { rates: rates.transport, bills: bills.transport },
    close() {
      rates.close();
      bills.close();
    },
  };
}

export function createServiceClients(transports: ServiceTransports): ServiceClients {
  return {
    rates: createClient(RatesService, transports.rates),
    bills: createClient(BillService, transports.bills),
    mandates: createClient(MandateService, transports.bills),
    paymentSimulator: createClient(PaymentSimulatorService, transports.bills),
    ledger: createClient(LedgerService, transports.bills),
    creditNotes: createClient(CreditNoteService, transports.bills),
    events: createClient(EventService, transports.bills),
    webhooks: createClient(WebhookService, transports.bills),
    usage: createClient(UsageService, transports.bills),
    customers: createClient(CustomerService, transports.bills),
    ratesHealth: createClient(health.Health, transports.rates),
    billsHealth: createClient(health.Health, transports.bills),
  };
}

/** The parts of an HTTP request a service call made for it carries. */
export interface CallingRequest {
  id: string;
  signal: AbortSignal;
  caller: Caller | null;
}

/**
 * Options for a call made on behalf of one HTTP request: its id and its caller (the API key and
 * its customer, which the service checks again) travel as gRPC metadata.
 */
export function callOptionsFor(request: CallingRequest, timeoutMs: number): CallOptions {
  return callOptions(request.caller, request.id, timeoutMs, request.signal);
}

/** The same for a call made on behalf of a caller that no one request's signal cancels (a coalesced call). */
export function callOptions(caller: Caller | null, requestId: string, timeoutMs: number, signal?: AbortSignal): CallOptions {
  const principal = caller === null ? {} : principalHeaders({ keyId: caller.keyId, customerId: caller.customerId });
  return { headers: { ...principal, [REQUEST_ID_HEADER]: requestId }, timeoutMs, ...(signal === undefined ? {} : { signal }) };
}
