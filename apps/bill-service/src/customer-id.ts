import type { FieldProblem } from './errors.ts';

// A customer is named by the caller's own id, the same rule for every service of this app.
const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function customerIdProblems(customerId: string): FieldProblem[] {
  return CUSTOMER_ID.test(customerId)
    ? []
    : [{ field: 'customerId', message: 'must be 1–64 characters of letters, digits, ".", "_" or "-"' }];
}
