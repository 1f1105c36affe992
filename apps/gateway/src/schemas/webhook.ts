import { Type } from 'typebox';
import { EVENT_TYPES } from '@billing/db';
import { DEFAULT_OVERLAP_SECONDS, EVENT_TYPES_MAX, MAX_OVERLAP_SECONDS, URL_MAX_CHARS } from '@billing/webhooks';
import { OPTIONAL_BODY } from '../openapi.ts';
import { Cursor, CustomerId, Description, Limit, NextCursor } from './common.ts';
import { Rfc3339 } from './timestamp.ts';

// Webhook endpoints and their deliveries as the REST API shows them. Whether a URL may be called
// (https, public addresses) is bill-service's check, which names the reason in its 400.

export { MAX_OVERLAP_SECONDS };

export const WebhookEndpointId = Type.String({
  pattern: '^we_[0-9a-f]{32}$',
  description: 'A webhook endpoint id: we_ and 32 hex digits',
  examples: ['we_5b1f0c9e2d7a4e63b8c1f4a2d9e07b35'],
  errorMessage: 'must be a webhook endpoint id: we_ and 32 hex digits',
});

export const WebhookDeliveryId = Type.String({
  pattern: '^wd_[0-9a-f]{32}$',
  description: 'A webhook delivery id: wd_ and 32 hex digits',
  examples: ['wd_0c3e9b7a1f2d4c58a6e1b9d0f7c2a4e8'],
  errorMessage: 'must be a webhook delivery id: wd_ and 32 hex digits',
});

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: URL_MAX_CHARS,
  description:
    'Where events are POSTed: an https URL whose host resolves to public addresses only (http and private or loopback ' +
    'addresses are accepted only where WEBHOOK_ALLOW_PRIVATE_URLS=true, as in local development). Redirects are not followed',
  examples: ['https://example.com/webhooks/billing'],
});

const WebhookEvents = Type.Array(
  Type.Union([...EVENT_TYPES, '*'].map((type) => Type.Literal(type)), { errorMessage: `must be one of ${EVENT_TYPES.join(', ')}, or *` }),
  {
    minItems: 1,
    maxItems: EVENT_TYPES_MAX,
    description: 'The event types sent to this endpoint, or `["*"]` for every type (then `*` must be the only entry)',
    examples: [['bill.closed', 'mandate.collection_failed']],
  },
);

const Ordered = Type.Boolean({
  description: 'true (the default): a customer\'s events reach this endpoint one at a time, in their order; false: each as soon as it is due',
});

export const CreateWebhookEndpointBody = Type.Object(
  {
    url: WebhookUrl,
    events: WebhookEvents,
    customerId: Type.Optional({
      ...CustomerId,
      description: 'Only this customer\'s events. A customer key may leave it out (its own customer) or name its own; ' +
        'a platform key that leaves it out makes a platform endpoint, which receives every customer\'s events',
    }),
    description: Type.Optional(Description('What the endpoint is for')),
    ordered: Type.Optional(Ordered),
  },
  { additionalProperties: false, examples: [{ url: 'https://example.com/webhooks/billing', events: ['bill.closed'], customerId: 'cus_42' }] },
);

export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(WebhookUrl),
    events: Type.Optional(WebhookEvents),
    disabled: Type.Optional(Type.Boolean({
      description: 'true: nothing is sent until it is enabled again (disabledReason `manual`); false: enabled again, its failing streak forgotten',
    })),
    description: Type.Optional(Type.Union([Description('What the endpoint is for'), Type.Null()], { description: 'null removes it' })),
    ordered: Type.Optional(Ordered),
  },
  { additionalProperties: false, examples: [{ disabled: true }] },
);

export const RotateSecretBody = Type.Object(
  {
    overlapSeconds: Type.Optional(Type.Integer({
      minimum: 0,
      maximum: MAX_OVERLAP_SECONDS,
      description: `How long the previous secret keeps signing beside the new one, in seconds: 0 to ${MAX_OVERLAP_SECONDS} (7 days), default ${DEFAULT_OVERLAP_SECONDS}`,
      examples: [86_400],
    })),
  },
  { additionalProperties: false, [OPTIONAL_BODY]: true, examples: [{ overlapSeconds: 3_600 }] },
);

const EndpointFields = {
  id: Type.String({ examples: ['we_5b1f0c9e2d7a4e63b8c1f4a2d9e07b35'] }),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'Event types, or the single `*` for every type' }),
  customerId: Type.Union([Type.String(), Type.Null()], { description: 'The customer whose events it receives; null for a platform endpoint (every customer\'s)' }),
  description: Type.Union([Type.String(), Type.Null()]),
  ordered: Ordered,
  disabled: Type.Boolean(),
  disabledReason: Type.Union([Type.Literal('manual'), Type.Literal('failing'), Type.Null()], {
    description: '`manual`: disabled through PATCH; `failing`: disabled after its deliveries kept failing for 5 days; null while enabled',
  }),
  failingSince: Type.Union([Rfc3339('Since when its deliveries have been failing'), Type.Null()]),
  createdAt: Rfc3339('When it was registered'),
  updatedAt: Rfc3339('When it last changed'),
};

export const WebhookEndpoint = Type.Object(EndpointFields, {
  $id: 'WebhookEndpoint', title: 'WebhookEndpoint', description: 'A webhook endpoint, never with its secret',
});

const Secret = Type.String({
  pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
  description: 'The signing secret (Standard Webhooks format: whsec_ and the base64 key). Shown in this response only: keep it',
  examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
});

export const CreatedWebhookEndpoint = Type.Object({ ...EndpointFields, secret: Secret }, {
  title: 'CreatedWebhookEndpoint', description: 'The endpoint, with its signing secret',
});

export const RotatedWebhookSecret = Type.Object({
  ...EndpointFields,
  secret: Secret,
  previousSecretExpiresAt: Rfc3339('Until when the previous secret still signs, beside the new one'),
}, { title: 'RotatedWebhookSecret', description: 'The endpoint, with its new signing secret' });

export const WebhookEndpointPage = Type.Object({ items: Type.Array(Type.Ref('WebhookEndpoint')), nextCursor: NextCursor }, { title: 'WebhookEndpointPage' });

const Attempt = Type.Object({
  attempt: Type.Integer({ minimum: 1, description: '1 for the first attempt' }),
  startedAt: Rfc3339('When it was sent'),
  durationMs: Type.Integer({ minimum: 0, description: 'How long until the answer (or the failure), in milliseconds' }),
  statusCode: Type.Union([Type.Integer(), Type.Null()], { description: 'The HTTP status answered; null when no answer came' }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed (a timeout, a refused connection or address, a non-2xx status)' }),
  responseBody: Type.Union([Type.String(), Type.Null()], { description: 'The first 1 kB of the answer\'s body; null when no answer came' }),
  nextRetryAt: Type.Union([Rfc3339('When the next attempt is due'), Type.Null()], { description: 'null when this was the last attempt' }),
}, { title: 'WebhookAttempt' });

export const WebhookDelivery = Type.Object({
  id: Type.String({ examples: ['wd_0c3e9b7a1f2d4c58a6e1b9d0f7c2a4e8'] }),
  eventId: Type.String({ examples: ['evt_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4'] }),
  eventType: Type.String({ examples: ['bill.closed'] }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')], {
    description: '`pending`: still to be sent (again); `succeeded`: answered with a 2xx; `failed`: the retries gave up',
  }),
  attemptCount: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Type.Union([Rfc3339('When the next attempt is due'), Type.Null()], { description: 'null once it is finished' }),
  createdAt: Rfc3339('When the event was recorded for this endpoint'),
  completedAt: Type.Union([Rfc3339('When it succeeded or was given up'), Type.Null()]),
  attempts: Type.Array(Attempt, { description: 'Oldest first' }),
}, { $id: 'WebhookDelivery', title: 'WebhookDelivery' });

export const WebhookDeliveryPage = Type.Object({ items: Type.Array(Type.Ref('WebhookDelivery')), nextCursor: NextCursor }, { title: 'WebhookDeliveryPage' });

export const ListWebhookEndpointsQuery = Type.Object({
  customerId: Type.Optional({
    ...CustomerId,
    description: 'Only this customer\'s endpoints. A customer key sees only its own customer\'s, named or not; a platform key ' +
      'that leaves it out lists every endpoint, platform ones included',
  }),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const WebhookEndpointParams = Type.Object({ endpointId: WebhookEndpointId });
export const WebhookDeliveryParams = Type.Object({ endpointId: WebhookEndpointId, deliveryId: WebhookDeliveryId });
