import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { health } from '@billing/contracts';
import { callOptionsFor, type ServiceClients } from '../clients.ts';
import { errorResponses } from '../errors.ts';

export interface HealthRoutesOptions {
  clients: ServiceClients;
  /** How long each readiness probe waits for a service's answer. */
  checkTimeoutMs: number;
}

const { HealthCheckResponse_ServingStatus: ServingStatus } = health;

const CheckResultSchema = Type.Union(
  [
    Type.Literal('SERVING'),
    Type.Literal('NOT_SERVING'),
    Type.Literal('UNKNOWN'),
    Type.Literal('SERVICE_UNKNOWN'),
    Type.Literal('UNREACHABLE'),
  ],
  { description: 'grpc.health.v1 status of the service, or UNREACHABLE when it did not answer in time' },
);
type CheckResult = Static<typeof CheckResultSchema>;

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Object({ rates: CheckResultSchema, bills: CheckResultSchema }),
});

/**
 * `/healthz` says the process is up; `/readyz` says the gateway can do its work: every service
 * it calls answers grpc.health.v1 Check with SERVING (bill-service does so only while
 * PostgreSQL and Temporal answer it).
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { clients, checkTimeoutMs }) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'liveness',
        tags: ['health'],
        summary: 'The gateway process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errorResponses() },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'readiness',
        tags: ['health'],
        summary: 'Every service the gateway needs is serving',
        response: {
          200: { ...Readiness, description: 'Every service is SERVING' },
          503: { ...Readiness, description: 'At least one service is not SERVING; `checks` says which' },
          ...errorResponses(),
        },
      },
    },
    async (request, reply) => {
      const probe = async (client: Client<typeof health.Health>, service: string): Promise<CheckResult> => {
        try {
          // "" asks for the server's overall status, which folds in all of its dependencies.
          const answer = await client.check({ service: '' }, callOptionsFor(request.id, checkTimeoutMs, request.signal));
          return (ServingStatus[answer.status] as CheckResult | undefined) ?? 'UNKNOWN';
        } catch (error) {
          request.log.warn({ err: error, service }, 'readiness probe failed');
          return 'UNREACHABLE';
        }
      };
      const [rates, bills] = await Promise.all([
        probe(clients.ratesHealth, 'rates'),
        probe(clients.billsHealth, 'bills'),
      ]);
      const ready = rates === 'SERVING' && bills === 'SERVING';
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: { rates, bills } });
    },
  );
};
