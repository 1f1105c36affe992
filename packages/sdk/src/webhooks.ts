import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Event } from './gen/types.gen.ts';

export { WebhookVerificationError };

/** The three Standard Webhooks headers a delivery carries, in any capitalisation. */
export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

/**
 * Checks a delivery's signature (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`, at most 5 minutes old) against the endpoint's secret (`whsec_…`), and
 * returns its event, typed by its `type`. Pass the body exactly as received, as text: a body
 * parsed and serialised again no longer matches its signature. Throws WebhookVerificationError
 * when the signature, the timestamp or the body is wrong.
 */
export function verifyWebhook(body: string, headers: WebhookHeaders, secret: string): Event {
  const plain: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) plain[name.toLowerCase()] = Array.isArray(value) ? value.join(' ') : value;
  }
  const event: unknown = new Webhook(secret).verify(body, plain);
  if (!isEvent(event)) throw new WebhookVerificationError('the signed body is not an event');
  return event;
}

function isEvent(value: unknown): value is Event {
  return typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string' &&
    'type' in value && typeof value.type === 'string' && 'data' in value;
}
