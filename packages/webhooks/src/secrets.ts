// Signing secrets in the Standard Webhooks format: `whsec_` followed by the base64 of the key bytes.
import { randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
/** 24 random bytes: within the 24-64 byte range the specification recommends. */
const SECRET_BYTES = 24;

export interface WebhookSecret {
  /** The key bytes as base64: what is stored and what signs. */
  key: string;
  /** The whole secret as shown to the user once: `whsec_<base64>`. */
  display: string;
}

export function generateSecret(): WebhookSecret {
  const key = randomBytes(SECRET_BYTES).toString('base64');
  return { key, display: `${PREFIX}${key}` };
}

/** The displayed form of a stored key. */
export function displaySecret(key: string): string {
  return `${PREFIX}${key}`;
}
