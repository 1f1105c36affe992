import {
  WebhookDeliveryStatus, WebhookDisabledReason, type WebhookDelivery, type WebhookEndpoint,
} from '@billing/contracts';
import { optionalTimeJson, requiredTimestamp, serviceBug } from '@billing/resources';
import { pageJson } from './page-json.ts';

// billing.v1 webhook endpoints and deliveries → the JSON of the public REST contract, in this one module.

const DISABLED_REASONS: Partial<Record<WebhookDisabledReason, 'manual' | 'failing'>> = {
  [WebhookDisabledReason.MANUAL]: 'manual',
  [WebhookDisabledReason.FAILING]: 'failing',
};

const DELIVERY_STATUSES: Partial<Record<WebhookDeliveryStatus, 'pending' | 'succeeded' | 'failed'>> = {
  [WebhookDeliveryStatus.PENDING]: 'pending',
  [WebhookDeliveryStatus.SUCCEEDED]: 'succeeded',
  [WebhookDeliveryStatus.FAILED]: 'failed',
};

export function webhookEndpointJson(endpoint: WebhookEndpoint | undefined) {
  if (endpoint === undefined) throw serviceBug('the webhook endpoint');
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    customerId: endpoint.customerId === '' ? null : endpoint.customerId,
    description: endpoint.description === '' ? null : endpoint.description,
    ordered: endpoint.ordered,
    disabled: endpoint.disabled,
    disabledReason: DISABLED_REASONS[endpoint.disabledReason] ?? null,
    failingSince: optionalTimeJson(endpoint.failingSince),
    createdAt: requiredTimestamp(endpoint.createdAt, 'createdAt'),
    updatedAt: requiredTimestamp(endpoint.updatedAt, 'updatedAt'),
  };
}

export function webhookEndpointPageJson(page: { endpoints: WebhookEndpoint[]; nextCursor?: string }) {
  return pageJson(page.endpoints.map(webhookEndpointJson), page.nextCursor);
}

export function webhookDeliveryJson(delivery: WebhookDelivery | undefined) {
  if (delivery === undefined) throw serviceBug('the webhook delivery');
  const status = DELIVERY_STATUSES[delivery.status];
  if (status === undefined) throw serviceBug('a known delivery status');
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: optionalTimeJson(delivery.nextAttemptAt),
    createdAt: requiredTimestamp(delivery.createdAt, 'createdAt'),
    completedAt: optionalTimeJson(delivery.completedAt),
    attempts: delivery.attempts.map((attempt) => ({
      attempt: attempt.attempt,
      startedAt: requiredTimestamp(attempt.startedAt, 'startedAt'),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode ?? null,
      error: attempt.error ?? null,
      responseBody: attempt.responseBody ?? null,
      nextRetryAt: optionalTimeJson(attempt.nextRetryAt),
    })),
  };
}

export function webhookDeliveryPageJson(page: { deliveries: WebhookDelivery[]; nextCursor?: string }) {
  return pageJson(page.deliveries.map(webhookDeliveryJson), page.nextCursor);
}
