import type { DescService } from '@bufbuild/protobuf';
import { createClient, type CallOptions, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { forwardRequestId } from './request-id.ts';
import { traceClientCalls } from './tracing.ts';
import { attachServiceCredential, principalHeaders, type Principal } from './service-access.ts';
import { upstreamFailureInterceptor } from './upstream-failure.ts';
import { balancedTransport, parseTarget, type BalancerOptions } from './balancer.ts';

export interface ServiceConnectionOptions {
  /** Names the upstream in errors and logs; default: the base URL's host. */
  name?: string;
  /** Deadline for each call unless the call sets its own; default 5 seconds. */
  timeoutMs?: number;
  /** Asked on every call for the request id to forward as metadata. */
  requestId?: () => string | undefined;
  /** The service credential (`BILLING_SERVICE_TOKEN`) sent with every call. */
  serviceCredential?: string;
  interceptors?: Interceptor[];
}

/** The connections to a service; every client of that service shares its transport. */
export interface ServiceConnection {
  readonly name: string;
  readonly transport: Transport;
  /** Closes the HTTP/2 sessions so the process can exit without waiting for idle timeouts. */
  close(): void;
}

// Pings notice a half-open connection (a service host that vanished without closing it).
const SESSION_OPTIONS = { pingIntervalMs: 15_000, pingTimeoutMs: 5_000, idleConnectionTimeoutMs: 60_000 };

/**
 * The one way to reach another of our services: gRPC over HTTP/2 to `target`, a base URL (e.g.
 * `http://127.0.0.1:50052`) or several separated by commas. Calls are spread one by one over every
 * URL, and over every address a URL's host name resolves to (a headless Kubernetes Service), with
 * one shared HTTP/2 session each; see balancer.ts. When a service goes away its calls fail with
 * `unavailable` (see upstream-failure.ts), the next calls go to the other replicas, and the session
 * manager dials again later, so the caller recovers by itself once the service is back.
 */
export function connectToService(target: string, options: ServiceConnectionOptions & BalancerOptions = {}): ServiceConnection {
  const name = options.name ?? (parseTarget(target)[0] as URL).host;
  // The classifier is outermost, so it judges every failure the other interceptors let through,
  // and the client span records the code the caller sees.
  const interceptors = [
    upstreamFailureInterceptor(name),
    traceClientCalls(),
    ...(options.requestId ? [forwardRequestId(options.requestId)] : []),
    ...(options.serviceCredential === undefined ? [] : [attachServiceCredential(options.serviceCredential)]),
    ...(options.interceptors ?? []),
  ];
  const balanced = balancedTransport(target, (baseUrl, lookup) => {
    const session = new Http2SessionManager(baseUrl, SESSION_OPTIONS, lookup === undefined ? undefined : { lookup });
    const transport = createGrpcTransport({ baseUrl, sessionManager: session, defaultTimeoutMs: options.timeoutMs ?? 5_000, interceptors });
    return { transport, close: () => session.abort() };
  }, options);
  return { name, transport: balanced.transport, close: () => balanced.close() };
}

export type GrpcClientOptions = ServiceConnectionOptions;

/** A typed client over its own connection; share it: create it once per process. */
export function createGrpcClient<S extends DescService>(service: S, baseUrl: string, options: GrpcClientOptions = {}): Client<S> {
  return createClient(service, connectToService(baseUrl, { name: service.typeName, ...options }).transport);
}

/** Per-call options that send `requestId` as the `x-request-id` metadata. */
export function withRequestId(requestId: string, options: CallOptions = {}): CallOptions {
  const headers = new Headers(options.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  return { ...options, headers };
}

/** Per-call options that say on whose behalf the call is made (see service-access.ts). */
export function withPrincipal(principal: Principal, options: CallOptions = {}): CallOptions {
  const headers = new Headers(options.headers);
  for (const [name, value] of Object.entries(principalHeaders(principal))) headers.set(name, value);
  return { ...options, headers };
}
