import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { REQUEST_ID_HEADER, type Logger } from '@billing/runtime';
import { createServiceClients, type ServiceTransports } from './clients.ts';
import { installErrorHandling } from './errors.ts';
import { registerOpenApi } from './openapi.ts';
import { requestIdFor } from './request-id.ts';
import { validatorCompiler } from './validation.ts';
import { healthRoutes } from './routes/health.ts';
import { ratesRoutes } from './routes/rates.ts';

export interface GatewayDeps {
  /** How to reach each service: gRPC over HTTP/2 in production, in-memory routers in tests. */
  transports: ServiceTransports;
  logger: Logger;
  /** Deadline of each service call made for a client request. */
  callTimeoutMs?: number;
  /** Deadline of each readiness probe. */
  readinessTimeoutMs?: number;
}

/** The REST gateway, ready to `inject` or `listen`; it does not listen by itself. */
export async function buildGateway(deps: GatewayDeps) {
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    // The id comes from our own genReqId, which validates the caller's header first
    // (Fastify's requestIdHeader would adopt any value as is).
    requestIdHeader: false,
    genReqId: requestIdFor,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  installErrorHandling(app);
  await registerOpenApi(app);

  const clients = createServiceClients(deps.transports);
  await app.register(healthRoutes, { clients, checkTimeoutMs: deps.readinessTimeoutMs ?? 2_000 });
  await app.register(ratesRoutes, { clients, callTimeoutMs: deps.callTimeoutMs ?? 10_000 });
  return app;
}

export type Gateway = Awaited<ReturnType<typeof buildGateway>>;
