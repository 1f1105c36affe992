import { Type } from 'typebox';

/**
 * The shape of an ISO 4217 code. Whether the code is a currency we know is the owning
 * service's answer (an unknown one comes back as invalid_argument), not the gateway's.
 */
export function CurrencyCode(description = 'ISO 4217 currency code') {
  return Type.String({
    pattern: '^[A-Z]{3}$',
    description: `${description}: three uppercase letters`,
    examples: ['USD'],
    errorMessage: 'must be an ISO 4217 currency code: three uppercase letters, e.g. USD',
  });
}
