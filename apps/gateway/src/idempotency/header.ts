import { Type } from 'typebox';

/** Lower-case, as Node presents incoming header names. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

// Printable ASCII, space included: what an HTTP header value can carry without encoding.
const PRINTABLE = /^[\x20-\x7e]{1,255}$/;
const KEY_RULE = 'must be 1–255 printable ASCII characters';

/** Declared on every POST and PATCH route, so the header is validated (and documented) with the rest. */
export const IdempotencyHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({
      pattern: PRINTABLE.source,
      description: 'Makes the request safe to retry: see the idempotency section of the API description',
      examples: ['order-7731-fee-1'],
      errorMessage: KEY_RULE,
    }),
  ),
});

/** The problem with a key, or undefined; for routes that did not declare the header. */
export function idempotencyKeyProblem(value: string | string[]): string | undefined {
  if (Array.isArray(value)) return 'must be sent once';
  return PRINTABLE.test(value) ? undefined : KEY_RULE;
}
