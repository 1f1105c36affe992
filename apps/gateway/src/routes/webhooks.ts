import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { callOptionsFor, type CallingRequest, type ServiceClients } from '../clients.ts';
import { IdempotencyHeaders } from '../idempotency/header.ts';
import { serviceBug } from '@billing/resources';
import { PageQuery } from '../schemas/common.ts';
import { BODY_FAILURES, RETRY_AFTER, SERVICE_FAILURES, errorResponses, idempotencyFailures } from '../schemas/error-responses.ts';
import {
  CreateWebhookEndpointBody, CreatedWebhookEndpoint, ListWebhookEndpointsQuery, RotateSecretBody, RotatedWebhookSecret,
  UpdateWebhookEndpointBody, WebhookDeliveryPage, WebhookDeliveryParams, WebhookEndpointPage, WebhookEndpointParams,
} from '../schemas/webhook.ts';
import { webhookDeliveryJson, webhookDeliveryPageJson, webhookEndpointJson, webhookEndpointPageJson } from '../webhook-json.ts';

export interface WebhooksRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
}

const ENDPOINT = { $ref: 'WebhookEndpoint' } as const;
const DELIVERY = { $ref: 'WebhookDelivery' } as const;
const BAD_INPUT = '`invalid_argument`: a field or parameter is malformed; the message and details name it';
const BAD_URL = `${BAD_INPUT}; also a url refused by the address policy (not https, a private or loopback address, a host that does not resolve), with the reason`;
const NO_ENDPOINT = '`not_found`: no such webhook endpoint (or it belongs to another customer, or is a platform endpoint and the key is a customer key)';
const SECRET_NOTE = ' The secret is in this response only: it is never stored as a replayable answer, so this POST ignores `Idempotency-Key`.';

/**
 * The customer a call acts for: the one named, or a customer key's own when none is named (the
 * access rules have already refused a customer key naming another); empty for a platform key
 * that names none.
 */
function actingFor(request: CallingRequest, named: string | undefined): string {
  return named ?? request.caller?.customerId ?? '';
}

/** Webhook endpoints, their secrets and deliveries over billing.v1.WebhookService. */
export const webhooksRoutes: FastifyPluginAsyncTypebox<WebhooksRoutesOptions> = async (app, { clients, callTimeoutMs }) => {
  const options = (request: CallingRequest) => callOptionsFor(request, callTimeoutMs);
  const webhooks = clients.webhooks;
  /** The scope of a call on one endpoint: the key's customer, or none for a platform key. */
  const scope = (request: CallingRequest) => request.caller?.customerId ?? '';

  app.post('/v1/webhook-endpoints', {
    // A customer key names its own customer or none (then its own is meant); the response holds a
    // secret, which must not be stored for an idempotent replay.
    config: { idempotent: false, access: { kind: 'customer-body', field: 'customerId', ownWhenAbsent: true } },
    schema: {
      operationId: 'createWebhookEndpoint',
      tags: ['webhooks'],
      summary: 'Register a webhook endpoint and get its signing secret',
      description:
        'Events of the chosen types are POSTed to `url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, ' +
        '`webhook-signature`; see docs/events.md). The URL must be https and resolve to public addresses unless the ' +
        'deployment sets WEBHOOK_ALLOW_PRIVATE_URLS=true.' + SECRET_NOTE,
      body: CreateWebhookEndpointBody,
      response: {
        201: CreatedWebhookEndpoint,
        ...errorResponses({ 400: BAD_URL, ...BODY_FAILURES, ...SERVICE_FAILURES }),
      },
    },
  }, async (request, reply) => {
    const body = request.body;
    const response = await webhooks.createWebhookEndpoint({
      url: body.url, events: body.events, customerId: actingFor(request, body.customerId),
      description: body.description ?? '', ordered: body.ordered,
    }, options(request));
    return reply.code(201).send({ ...webhookEndpointJson(response.endpoint), secret: response.secret });
  });

  app.get('/v1/webhook-endpoints', {
    schema: {
      operationId: 'listWebhookEndpoints',
      tags: ['webhooks'],
      summary: 'Webhook endpoints, newest first',
      querystring: ListWebhookEndpointsQuery,
      response: { 200: WebhookEndpointPage, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const { customerId, limit, cursor } = request.query;
    const page = await webhooks.listWebhookEndpoints({
      customerId: actingFor(request, customerId), limit: limit ?? DEFAULT_PAGE_LIMIT, cursor: cursor ?? '',
    }, options(request));
    return webhookEndpointPageJson(page);
  });

  app.get('/v1/webhook-endpoints/:endpointId', {
    schema: {
      operationId: 'getWebhookEndpoint',
      tags: ['webhooks'],
      summary: 'One webhook endpoint',
      params: WebhookEndpointParams,
      response: { 200: ENDPOINT, ...errorResponses({ 400: BAD_INPUT, 404: NO_ENDPOINT, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await webhooks.getWebhookEndpoint({ id: request.params.endpointId, customerId: scope(request) }, options(request));
    return webhookEndpointJson(response.endpoint);
  });

  app.patch('/v1/webhook-endpoints/:endpointId', {
    schema: {
      operationId: 'updateWebhookEndpoint',
      tags: ['webhooks'],
      summary: 'Change a webhook endpoint',
      description: 'Changes the fields sent and keeps the others. A new `url` is checked as at registration.',
      params: WebhookEndpointParams,
      headers: IdempotencyHeaders,
      body: UpdateWebhookEndpointBody,
      response: {
        200: ENDPOINT,
        ...errorResponses(
          { 400: BAD_URL, 404: NO_ENDPOINT, ...idempotencyFailures(), ...BODY_FAILURES, ...SERVICE_FAILURES },
          { 409: RETRY_AFTER },
        ),
      },
    },
  }, async (request) => {
    const { url, events, disabled, description, ordered } = request.body;
    const response = await webhooks.updateWebhookEndpoint({
      id: request.params.endpointId, customerId: scope(request),
      url, events: events ?? [], disabled, description: description === null ? '' : description, ordered,
    }, options(request));
    return webhookEndpointJson(response.endpoint);
  });

  app.delete('/v1/webhook-endpoints/:endpointId', {
    schema: {
      operationId: 'deleteWebhookEndpoint',
      tags: ['webhooks'],
      summary: 'Delete a webhook endpoint, its secrets and its deliveries',
      params: WebhookEndpointParams,
      response: {
        204: Type.Null({ description: 'Deleted' }),
        ...errorResponses({ 400: BAD_INPUT, 404: NO_ENDPOINT, ...SERVICE_FAILURES }),
      },
    },
  }, async (request, reply) => {
    await webhooks.deleteWebhookEndpoint({ id: request.params.endpointId, customerId: scope(request) }, options(request));
    return reply.code(204).send(null);
  });

  app.post('/v1/webhook-endpoints/:endpointId/rotate-secret', {
    config: { idempotent: false },
    schema: {
      operationId: 'rotateWebhookSecret',
      tags: ['webhooks'],
      summary: 'Make a new signing secret, keeping the previous one for an overlap',
      description:
        'Every delivery is signed with the new secret at once, and with the previous one too until `previousSecretExpiresAt` ' +
        '(`overlapSeconds` from now, default a day, at most 7 days), so receivers can switch over without missing a ' +
        'signature they accept. The body may be left out.' + SECRET_NOTE,
      params: WebhookEndpointParams,
      body: RotateSecretBody,
      response: {
        200: RotatedWebhookSecret,
        ...errorResponses({ 400: BAD_INPUT, 404: NO_ENDPOINT, ...BODY_FAILURES, ...SERVICE_FAILURES }),
      },
    },
    // No body at all means {}: the default overlap.
    preValidation: async (request) => {
      if (request.body === undefined) request.body = {};
    },
  }, async (request) => {
    const response = await webhooks.rotateWebhookSecret({
      id: request.params.endpointId, customerId: scope(request), overlapSeconds: request.body.overlapSeconds,
    }, options(request));
    if (response.previousSecretExpiresAt === undefined) throw serviceBug('previousSecretExpiresAt');
    return {
      ...webhookEndpointJson(response.endpoint),
      secret: response.secret,
      previousSecretExpiresAt: timestampDate(response.previousSecretExpiresAt).toISOString(),
    };
  });

  app.get('/v1/webhook-endpoints/:endpointId/deliveries', {
    schema: {
      operationId: 'listWebhookDeliveries',
      tags: ['webhooks'],
      summary: 'A webhook endpoint\'s deliveries, newest first, each with its attempts',
      params: WebhookEndpointParams,
      querystring: PageQuery,
      response: {
        200: WebhookDeliveryPage,
        ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, 404: NO_ENDPOINT, ...SERVICE_FAILURES }),
      },
    },
  }, async (request) => {
    const page = await webhooks.listWebhookDeliveries({
      endpointId: request.params.endpointId, customerId: scope(request), limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor ?? '',
    }, options(request));
    return webhookDeliveryPageJson(page);
  });

  app.post('/v1/webhook-endpoints/:endpointId/deliveries/:deliveryId/retry', {
    schema: {
      operationId: 'retryWebhookDelivery',
      tags: ['webhooks'],
      summary: 'Send a delivery again now',
      description:
        'The delivery is due at once. A pending one keeps its retry schedule; a succeeded or failed one gets exactly one ' +
        'more attempt, shown in its attempts when it is made.',
      params: WebhookDeliveryParams,
      headers: IdempotencyHeaders,
      response: {
        202: { ...DELIVERY, description: 'The delivery, pending and due now' },
        ...errorResponses(
          {
            400: BAD_INPUT,
            404: `${NO_ENDPOINT}; or the endpoint has no such delivery`,
            ...idempotencyFailures('`failed_precondition`: the endpoint is disabled; enable it first'),
            ...BODY_FAILURES,
            ...SERVICE_FAILURES,
          },
          { 409: RETRY_AFTER },
        ),
      },
    },
  }, async (request, reply) => {
    const response = await webhooks.retryWebhookDelivery({
      endpointId: request.params.endpointId, deliveryId: request.params.deliveryId, customerId: scope(request),
    }, options(request));
    return reply.code(202).send(webhookDeliveryJson(response.delivery));
  });
};
