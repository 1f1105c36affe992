import { CUSTOMER_ID_RULE, isCustomerId } from '@billing/text';
import type { FieldProblem } from './errors.ts';

/** A customer is named by the caller's own id, the same rule for every service of this app. */
export function customerIdProblems(customerId: string): FieldProblem[] {
  return isCustomerId(customerId) ? [] : [{ field: 'customerId', message: CUSTOMER_ID_RULE }];
}
