import { Type } from 'typebox';
import { CURRENCY_CODES } from '@billing/money';

/**
 * An ISO 4217 code the platform supports: the active codes that have a minor unit, from the
 * money package's currency table, so the gateway refuses exactly what the services would.
 */
export function CurrencyCode(description = 'ISO 4217 currency code') {
  return Type.Enum([...CURRENCY_CODES], {
    type: 'string',
    description: `${description} (an active ISO 4217 code with a minor unit)`,
    examples: ['USD'],
    errorMessage: 'must be an ISO 4217 currency code the platform supports (active, with a minor unit), e.g. USD',
  });
}
