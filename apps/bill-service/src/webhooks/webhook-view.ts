// The one mapping of stored endpoints and deliveries to their billing.v1 messages.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  WebhookAttemptSchema, WebhookDeliverySchema, WebhookDeliveryStatus, WebhookDisabledReason, WebhookEndpointSchema,
  type WebhookDelivery, type WebhookEndpoint,
} from '@billing/contracts';
import type { DeliveryStatus, StoredDelivery } from './deliveries-repository.ts';
import type { DisabledReason, StoredEndpoint } from './endpoints-repository.ts';

const DISABLED_REASONS: Record<DisabledReason, WebhookDisabledReason> = {
  manual: WebhookDisabledReason.MANUAL,
  failing: WebhookDisabledReason.FAILING,
};

const DELIVERY_STATUSES: Record<DeliveryStatus, WebhookDeliveryStatus> = {
  pending: WebhookDeliveryStatus.PENDING,
  succeeded: WebhookDeliveryStatus.SUCCEEDED,
  failed: WebhookDeliveryStatus.FAILED,
};

export function endpointMessage(endpoint: StoredEndpoint): WebhookEndpoint {
  return create(WebhookEndpointSchema, {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.eventTypes,
    customerId: endpoint.customerId ?? '',
    description: endpoint.description ?? '',
    ordered: endpoint.ordered,
    disabled: endpoint.disabled,
    disabledReason: endpoint.disabledReason === null ? WebhookDisabledReason.UNSPECIFIED : DISABLED_REASONS[endpoint.disabledReason],
    failingSince: endpoint.failingSince === null ? undefined : timestampFromDate(endpoint.failingSince),
    createdAt: timestampFromDate(endpoint.createdAt),
    updatedAt: timestampFromDate(endpoint.updatedAt),
  });
}

export function deliveryMessage(delivery: StoredDelivery): WebhookDelivery {
  return create(WebhookDeliverySchema, {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: DELIVERY_STATUSES[delivery.status],
    attemptCount: delivery.attemptCount,
    // A finished delivery has no next attempt, whatever its row last said.
    nextAttemptAt: delivery.status === 'pending' ? timestampFromDate(delivery.nextAttemptAt) : undefined,
    createdAt: timestampFromDate(delivery.createdAt),
    completedAt: delivery.completedAt === null ? undefined : timestampFromDate(delivery.completedAt),
    attempts: delivery.attempts.map((attempt) => create(WebhookAttemptSchema, {
      attempt: attempt.attempt,
      startedAt: timestampFromDate(attempt.startedAt),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode ?? undefined,
      error: attempt.error ?? undefined,
      responseBody: attempt.responseBody ?? undefined,
      nextRetryAt: attempt.nextRetryAt === null ? undefined : timestampFromDate(attempt.nextRetryAt),
    })),
  });
}
