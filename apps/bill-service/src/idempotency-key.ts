import type { FieldProblem } from './errors.ts';

// Printable ASCII, as the REST API's Idempotency-Key header allows; '' means the request has none.
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

export function idempotencyKeyProblems(idempotencyKey: string): FieldProblem[] {
  return idempotencyKey === '' || IDEMPOTENCY_KEY.test(idempotencyKey)
    ? []
    : [{ field: 'idempotencyKey', message: 'must be 1–255 printable ASCII characters' }];
}
