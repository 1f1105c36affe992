// Standard Webhooks signatures: HMAC-SHA256 over "{id}.{timestamp}.{body}" with each active secret,
// sent as `v1,<base64>` values separated by spaces so a receiver can check any one of them (which
// is how a rotated secret keeps working during its overlap).
import { createHmac } from 'node:crypto';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers for one attempt. `id` is the event id (stable across retries, so receivers can
 * drop duplicates); `timestamp` is the attempt's time; `keys` are the base64 key bytes of every
 * secret currently signing, newest first.
 */
export function signedHeaders(id: string, timestamp: Date, body: string, keys: readonly string[]): SignedHeaders {
  if (keys.length === 0) throw new Error('a webhook needs at least one signing secret');
  const seconds = Math.floor(timestamp.getTime() / 1000).toString();
  const content = `${id}.${seconds}.${body}`;
  const signatures = keys.map((key) => `v1,${createHmac('sha256', Buffer.from(key, 'base64')).update(content).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}
