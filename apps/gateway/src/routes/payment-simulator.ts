import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SimulatedOutcome } from '@billing/contracts';
import { callOptionsFor, type ServiceClients } from '../clients.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { enumValue } from '../proto-json.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';
import { ScriptOutcomesBody, ScriptOutcomesReply } from '../schemas/mandate.ts';

export interface PaymentSimulatorRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

/** Steering the built-in payment simulator that collects mandates unless a real provider is configured. */
export const paymentSimulatorRoutes: FastifyPluginAsyncTypebox<PaymentSimulatorRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  app.post('/v1/payment-simulator/outcomes', {
    schema: {
      operationId: 'scriptOutcomes',
      tags: ['payment simulator'],
      summary: 'Queue outcomes for a customer next charge attempts',
      description: 'The built-in simulator takes them in order, one per attempt; with none queued a charge succeeds. ' +
        'For tests and for trying dunning out by hand.',
      headers: IdempotencyHeaders,
      body: ScriptOutcomesBody,
      response: {
        200: ScriptOutcomesReply,
        ...errorResponses(
          {
            400: '`invalid_argument`: a field is malformed; the message and details name it',
            ...idempotencyFailures(),
            ...BODY_FAILURES,
            ...SERVICE_FAILURES,
          },
          { 409: RETRY_AFTER },
        ),
      },
    },
  }, async (request) => {
    const response = await clients.paymentSimulator.scriptOutcomes({
      customerId: request.body.customerId,
      outcomes: request.body.outcomes.map((scripted) => ({ outcome: enumValue(SimulatedOutcome, scripted.outcome), reason: scripted.reason })),
    }, callOptionsFor(request, callTimeoutMs));
    return { queued: response.queued };
  });
};
