import { createServer, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { DescService } from '@bufbuild/protobuf';
import type { ConnectRouter, ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { healthService, type HealthCheck } from './health.ts';
import type { GrpcLogger } from './logger.ts';
import { reflectionServices } from './reflection.ts';
import type { ErrorMapper } from './errors.ts';
import { serverInterceptor } from './server-interceptor.ts';
import { serviceAccessInterceptor } from './service-access.ts';

/** One service to serve: its generated descriptor and how to route it. Made by `serve`. */
export interface ServedService {
  readonly service: DescService;
  readonly register: (router: ConnectRouter) => void;
  /** Methods (by name) whose requests name no customer; `true`: all of them. See service-access.ts. */
  readonly customerFree?: true | readonly string[];
  /** How this service's own failures become Connect codes, asked before the server's mappers. */
  readonly errorMappers?: readonly ErrorMapper[];
}

export interface ServeOptions {
  /**
   * Declares the service's requests free of any customer (rates), so a call made for a
   * customer-scoped key may use them. Any other method must name the caller's customer.
   */
  customerFree?: true | readonly string[];
  /**
   * The service's own domain mappings, for its calls only, asked before the server's
   * `errorMappers`: on a server hosting several domains, each words its failures its own way
   * (a mandate's Temporal trouble names the mandate, not a bill).
   */
  errorMappers?: readonly ErrorMapper[];
}

/** Pairs a service with its implementation, checked against that service's own descriptor. */
export function serve<S extends DescService>(service: S, impl: ServiceImpl<S>, options: ServeOptions = {}): ServedService {
  return {
    service, register: (router) => router.service(service, impl), customerFree: options.customerFree, errorMappers: options.errorMappers,
  };
}

/** The `customerFree` declarations of the served services, as the access interceptor reads them. */
function customerFreeNames(services: readonly ServedService[]): Set<string> {
  const names = new Set<string>();
  for (const served of services) {
    if (served.customerFree === true) names.add(served.service.typeName);
    else for (const method of served.customerFree ?? []) names.add(`${served.service.typeName}/${method}`);
  }
  return names;
}

export interface GrpcServerOptions {
  services: readonly ServedService[];
  /** Dependency checks behind grpc.health.v1; every served service is SERVING only while all pass. */
  healthChecks?: Readonly<Record<string, HealthCheck>>;
  logger: GrpcLogger;
  /**
   * How this server's failures become Connect codes (asked in order, after the called service's
   * own `serve(..., { errorMappers })`). What none of them knows is logged and answered with a
   * bare `internal`.
   */
  errorMappers?: readonly ErrorMapper[];
  /** 0 picks a free port; the real one is on the returned server. */
  port: number;
  host?: string;
  /** How long close() lets calls in flight finish before cutting connections. */
  drainTimeoutMs?: number;
  healthWatchIntervalMs?: number;
  /**
   * The shared secret every business call must carry (`BILLING_SERVICE_TOKEN`). Every app passes
   * it; only tests of other concerns leave it out, and then business calls are not checked.
   */
  serviceCredential?: string;
}

export interface GrpcServer {
  readonly port: number;
  readonly host: string;
  /** Reports NOT_SERVING, stops accepting calls, lets calls in flight finish, then closes. */
  close(): Promise<void>;
}

/**
 * A plaintext HTTP/2 server speaking gRPC (and Connect and gRPC-Web, which come free) for the
 * given services, plus grpc.health.v1 and server reflection. Nothing listens until this is
 * called, so importing a service's modules in a test starts nothing.
 */
export async function createGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const host = options.host ?? '0.0.0.0';
  const health = healthService({
    services: options.services.map((served) => served.service.typeName),
    checks: options.healthChecks,
    watchIntervalMs: options.healthWatchIntervalMs,
    logger: options.logger,
  });
  const reflection = reflectionServices([...options.services.map((served) => served.service), health.service]);
  const shutdown = new AbortController();
  const routes = (router: ConnectRouter) => {
    for (const served of options.services) served.register(router);
    router.service(health.service, health.impl);
    for (const served of reflection) router.service(served.service, served.impl);
  };
  // The access check sits inside the error interceptor, so its refusals are logged like any other.
  const access = options.serviceCredential === undefined ? [] : [serviceAccessInterceptor({
    credential: options.serviceCredential,
    openServices: new Set([health.service.typeName, ...reflection.map((served) => served.service.typeName)]),
    customerFree: customerFreeNames(options.services),
  })];
  const handler = connectNodeAdapter({
    routes,
    interceptors: [serverInterceptor({
      logger: options.logger,
      errorMappers: options.errorMappers,
      serviceErrorMappers: new Map(options.services.flatMap((served) => (served.errorMappers ? [[served.service.typeName, served.errorMappers]] : []))),
    }), ...access],
    shutdownSignal: shutdown.signal,
  });

  const server = createServer(handler);
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    // Only start-up errors (EADDRINUSE, EACCES) reject; the listener goes once listening.
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(options.port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (error) => options.logger.error({ err: { message: error.message } }, 'grpc server error'));
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ host, port, services: options.services.map((s) => s.service.typeName) }, 'grpc server listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    health.drain();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Health watchers are told NOT_SERVING on the next tick; then long-lived streams end, and
    // idle keep-alive connections are asked to go away (GOAWAY) once their calls finish.
    await new Promise((resolve) => setImmediate(resolve));
    shutdown.abort();
    for (const session of sessions) session.close();
    const deadline = setTimeout(() => {
      for (const session of sessions) session.destroy();
    }, options.drainTimeoutMs ?? 5_000);
    await closed;
    clearTimeout(deadline);
    options.logger.info({ port }, 'grpc server closed');
  };

  return {
    port,
    host,
    close: () => (closing ??= close()),
  };
}
