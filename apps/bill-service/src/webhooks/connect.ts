// billing.v1.WebhookService: webhook endpoints, their secrets and their deliveries. A caller acting
// for a customer names it in `customerId` (the service-access interceptor holds it to its own) and
// reaches only that customer's endpoints: any other, platform endpoints included, is not_found.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  CreateWebhookEndpointResponseSchema, DeleteWebhookEndpointResponseSchema, GetWebhookEndpointResponseSchema,
  ListWebhookDeliveriesResponseSchema, ListWebhookEndpointsResponseSchema, RetryWebhookDeliveryResponseSchema,
  RotateWebhookSecretResponseSchema, UpdateWebhookEndpointResponseSchema, type WebhookService,
} from '@billing/contracts';
import { generateSecret, type AddressPolicy } from '@billing/webhooks';
import { decodeCursor, keysetPosition, pageLimit, pageOf } from '@billing/grpc-kit';
import { invalidArgument, type FieldProblem } from '../errors.ts';
import {
  DELIVERY_ID, ENDPOINT_ID, checkDescription, checkEventTypes, checkOverlap, checkUrl, endpointIdProblems, idProblems, scopeProblems,
} from './validation.ts';
import { deliveryMessage, endpointMessage } from './webhook-view.ts';
import type { DeliveriesRepository } from './deliveries-repository.ts';
import type { Scope, StoredEndpoint, EndpointsRepository } from './endpoints-repository.ts';

export interface WebhookServiceDeps {
  endpoints: EndpointsRepository;
  deliveries: DeliveriesRepository;
  /** WEBHOOK_ALLOW_PRIVATE_URLS: whether http and private or loopback addresses may be registered. */
  addressPolicy: AddressPolicy;
}

function check(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument(problems);
}

function scopeOf(customerId: string): Scope {
  return customerId === '' ? undefined : customerId;
}

function notFound(id: string): ConnectError {
  return new ConnectError(`webhook endpoint ${id} not found`, Code.NotFound);
}

function found(endpoint: StoredEndpoint | undefined, id: string): StoredEndpoint {
  if (endpoint === undefined) throw notFound(id);
  return endpoint;
}

const ENDPOINTS_LIST = 'webhook-endpoints';
const DELIVERIES_LIST = 'webhook-deliveries';
const keysetOf = (row: { position: string; id: string }) => [row.position, row.id];

export function createWebhookService({ endpoints, deliveries, addressPolicy }: WebhookServiceDeps): ServiceImpl<typeof WebhookService> {
  /** The endpoint `id` names within the caller's scope, after checking both fields. */
  async function endpointInScope(id: string, customerId: string, idField = 'id'): Promise<StoredEndpoint> {
    check([...endpointIdProblems(idField, id), ...scopeProblems(customerId)]);
    return found(await endpoints.find(id, scopeOf(customerId)), id);
  }

  return {
    createWebhookEndpoint: async (request) => {
      const problems = scopeProblems(request.customerId);
      const events = checkEventTypes(request.events, problems);
      const description = checkDescription(request.description, problems);
      const url = await checkUrl(request.url, addressPolicy, problems);
      check(problems);
      const secret = generateSecret();
      const endpoint = await endpoints.create({
        url, eventTypes: events, customerId: scopeOf(request.customerId) ?? null, description, ordered: request.ordered ?? true,
      }, secret.key);
      return create(CreateWebhookEndpointResponseSchema, { endpoint: endpointMessage(endpoint), secret: secret.display });
    },

    listWebhookEndpoints: async (request) => {
      check(scopeProblems(request.customerId));
      const limit = pageLimit(request.limit);
      const after = decodeCursor(ENDPOINTS_LIST, request.cursor, keysetPosition(ENDPOINT_ID));
      const page = pageOf(ENDPOINTS_LIST, await endpoints.list(scopeOf(request.customerId), after, limit + 1), limit, keysetOf);
      return create(ListWebhookEndpointsResponseSchema, { endpoints: page.rows.map(endpointMessage), nextCursor: page.nextCursor });
    },

    getWebhookEndpoint: async (request) => {
      const endpoint = await endpointInScope(request.id, request.customerId);
      return create(GetWebhookEndpointResponseSchema, { endpoint: endpointMessage(endpoint) });
    },

    updateWebhookEndpoint: async (request) => {
      const problems = [...endpointIdProblems('id', request.id), ...scopeProblems(request.customerId)];
      const events = request.events.length === 0 ? undefined : checkEventTypes(request.events, problems);
      const description = request.description === undefined ? undefined : checkDescription(request.description, problems);
      const url = request.url === undefined ? undefined : await checkUrl(request.url, addressPolicy, problems);
      check(problems);
      const endpoint = await endpoints.update(request.id, scopeOf(request.customerId), {
        url, eventTypes: events, description, ordered: request.ordered, disabled: request.disabled,
      });
      return create(UpdateWebhookEndpointResponseSchema, { endpoint: endpointMessage(found(endpoint, request.id)) });
    },

    deleteWebhookEndpoint: async (request) => {
      check([...endpointIdProblems('id', request.id), ...scopeProblems(request.customerId)]);
      if (!await endpoints.delete(request.id, scopeOf(request.customerId))) throw notFound(request.id);
      return create(DeleteWebhookEndpointResponseSchema, {});
    },

    rotateWebhookSecret: async (request) => {
      const problems = [...endpointIdProblems('id', request.id), ...scopeProblems(request.customerId)];
      const overlap = checkOverlap(request.overlapSeconds, problems);
      check(problems);
      const secret = generateSecret();
      const rotated = await endpoints.rotateSecret(request.id, scopeOf(request.customerId), secret.key, overlap);
      if (rotated === undefined) throw notFound(request.id);
      return create(RotateWebhookSecretResponseSchema, {
        endpoint: endpointMessage(rotated.endpoint),
        secret: secret.display,
        previousSecretExpiresAt: timestampFromDate(rotated.previousExpiresAt),
      });
    },

    listWebhookDeliveries: async (request) => {
      const endpoint = await endpointInScope(request.endpointId, request.customerId, 'endpointId');
      const limit = pageLimit(request.limit);
      const after = decodeCursor(DELIVERIES_LIST, request.cursor, keysetPosition(DELIVERY_ID));
      const page = pageOf(DELIVERIES_LIST, await deliveries.list(endpoint.id, after, limit + 1), limit, keysetOf);
      return create(ListWebhookDeliveriesResponseSchema, { deliveries: page.rows.map(deliveryMessage), nextCursor: page.nextCursor });
    },

    retryWebhookDelivery: async (request) => {
      check(idProblems('deliveryId', request.deliveryId, DELIVERY_ID, 'a webhook delivery id (wd_ and 32 hex digits)'));
      const endpoint = await endpointInScope(request.endpointId, request.customerId, 'endpointId');
      if (endpoint.disabled) {
        throw new ConnectError(`webhook endpoint ${endpoint.id} is disabled; enable it before sending a delivery again`, Code.FailedPrecondition);
      }
      const delivery = await deliveries.retry(endpoint.id, request.deliveryId);
      if (delivery === undefined) throw new ConnectError(`webhook endpoint ${endpoint.id} has no delivery ${request.deliveryId}`, Code.NotFound);
      return create(RetryWebhookDeliveryResponseSchema, { delivery: deliveryMessage(delivery) });
    },
  };
}
