import type { Client } from '@connectrpc/connect';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { health } from '@billing/contracts';
import { callOptionsFor, type ServiceClients } from '../clients.ts';
import { errorResponses } from '../schemas/error-responses.ts';

export interface HealthRoutesOptions {
  clients: ServiceClients;
  /** How long each readiness probe waits for a service's answer. */
  checkTimeoutMs: number;
  /** Reaches the gateway's own PostgreSQL (idempotency records); absent when it has none. */
  pingDatabase?: () => Promise<void>;
}

const { HealthCheckResponse_ServingStatus: ServingStatus } = health;
const INTERNAL = '`internal`: an unexpected failure; the message is generic and the details are logged';

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
  checks: Type.Object({
    rates: CheckResultSchema,
    bills: CheckResultSchema,
    postgres: Type.Optional({ ...CheckResultSchema, description: 'The gateway PostgreSQL (idempotency records): SERVING or UNREACHABLE' }),
  }),
});

/**
 * `/healthz` says the process is up; `/readyz` says the gateway can do its work: every service
 * it calls answers grpc.health.v1 Check with SERVING (bill-service does so only while
 * PostgreSQL and Temporal answer it), and its own PostgreSQL answers a query.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { clients, checkTimeoutMs, pingDatabase }) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'liveness',
        tags: ['health'],
        summary: 'The gateway process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }), ...errorResponses({ 500: INTERNAL }) },
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
          ...errorResponses({ 500: INTERNAL }),
        },
      },
    },
    async (request, reply) => {
      const probe = async (client: Client<typeof health.Health>, service: string): Promise<CheckResult> => {
        try {
          // "" asks for the server's overall status, which folds in all of its dependencies.
          const answer = await client.check({ service: '' }, callOptionsFor(request, checkTimeoutMs));
          return (ServingStatus[answer.status] as CheckResult | undefined) ?? 'UNKNOWN';
        } catch (error) {
          request.log.warn({ err: error, service }, 'readiness probe failed');
          return 'UNREACHABLE';
        }
      };
      const pingPostgres = async (ping: () => Promise<void>): Promise<CheckResult> => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
        });
        try {
          await Promise.race([ping(), late]);
          return 'SERVING';
        } catch (error) {
          request.log.warn({ err: error, service: 'postgres' }, 'readiness probe failed');
          return 'UNREACHABLE';
        } finally {
          clearTimeout(timer);
        }
      };
      const [rates, bills, postgres] = await Promise.all([
        probe(clients.ratesHealth, 'rates'),
        probe(clients.billsHealth, 'bills'),
        pingDatabase && pingPostgres(pingDatabase),
      ]);
      const ready = rates === 'SERVING' && bills === 'SERVING' && (postgres === undefined || postgres === 'SERVING');
      const checks = postgres === undefined ? { rates, bills } : { rates, bills, postgres };
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
    },
  );
};
