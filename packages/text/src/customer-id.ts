// A customer is named by the caller's own id: the same rule in the REST schemas and every service.

/** 1–64 letters, digits, ".", "_" or "-", as a JSON Schema pattern (and a RegExp source). */
export const CUSTOMER_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
/** What a refused customer id is told. */
export const CUSTOMER_ID_RULE = 'must be 1–64 characters of letters, digits, ".", "_" or "-"';

const CUSTOMER_ID = new RegExp(CUSTOMER_ID_PATTERN);

export function isCustomerId(value: string): boolean {
  return CUSTOMER_ID.test(value);
}
