import { createClient, type CallOptions, type Client, type Transport } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import { BillService, RatesService, health } from '@billing/contracts';
import { REQUEST_ID_HEADER } from '@billing/runtime';

/** One transport per backend service; tests pass in-memory router transports instead. */
export interface ServiceTransports {
  rates: Transport;
  bills: Transport;
}

export interface ServiceClients {
  rates: Client<typeof RatesService>;
  bills: Client<typeof BillService>;
  ratesHealth: Client<typeof health.Health>;
  billsHealth: Client<typeof health.Health>;
}

export interface GrpcConnections {
  transports: ServiceTransports;
  /** Closes the HTTP/2 sessions so the process can exit without waiting for idle timeouts. */
  close(): void;
}

/**
 * gRPC over HTTP/2 to each service. One session per service is shared by every request; when a
 * service goes away its calls fail with `unavailable`, and the session manager dials again on
 * the next call, so the gateway recovers by itself once the service is back.
 */
export function connectToServices(urls: { rates: string; bills: string }): GrpcConnections {
  // Pings notice a half-open connection (a service host that vanished without closing it).
  const sessionOptions = { pingIntervalMs: 15_000, pingTimeoutMs: 5_000, idleConnectionTimeoutMs: 60_000 };
  const ratesSession = new Http2SessionManager(urls.rates, sessionOptions);
  const billsSession = new Http2SessionManager(urls.bills, sessionOptions);
  return {
    transports: {
      rates: createGrpcTransport({ baseUrl: urls.rates, sessionManager: ratesSession }),
      bills: createGrpcTransport({ baseUrl: urls.bills, sessionManager: billsSession }),
    },
    close() {
      ratesSession.abort();
      billsSession.abort();
    },
  };
}

export function createServiceClients(transports: ServiceTransports): ServiceClients {
  return {
    rates: createClient(RatesService, transports.rates),
    bills: createClient(BillService, transports.bills),
    ratesHealth: createClient(health.Health, transports.rates),
    billsHealth: createClient(health.Health, transports.bills),
  };
}

/** Options for a call made on behalf of one HTTP request: its id travels as gRPC metadata. */
export function callOptionsFor(requestId: string, timeoutMs: number, signal?: AbortSignal): CallOptions {
  return { headers: { [REQUEST_ID_HEADER]: requestId }, timeoutMs, signal };
}
