import { Type } from 'typebox';
import { CURRENCY_CODES } from '@billing/money';

/**
 * An ISO 4217 code the platform supports, as answers carry it: the active codes that have a minor
 * unit, from the money package's currency table.
 */
export function CurrencyCode(description = 'ISO 4217 currency code') {
  return Type.Enum([...CURRENCY_CODES], {
    type: 'string',
    description: `${description} (an active ISO 4217 code with a minor unit)`,
    examples: ['USD'],
    errorMessage: 'must be an ISO 4217 currency code the platform supports (active, with a minor unit), e.g. USD',
  });
}

/** The shape of a currency or unit code, as the money package's unit registry defines it. */
export const CODE_SHAPE = '^[A-Z][A-Z0-9]{1,11}$';

/**
 * A currency a request names. Only its shape is checked here: which codes a service takes is the
 * service's to say, so that a registered non-fiat unit (BTC, POINTS) or a currency the deployment
 * does not accept on bills is answered with why, rather than with a list it is missing from.
 */
export function RequestedCurrencyCode(description = 'ISO 4217 currency code') {
  return Type.String({
    pattern: CODE_SHAPE,
    description:
      `${description}: an active ISO 4217 code with a minor unit, e.g. USD. Any other code of this shape is a 400 ` +
      'from the service saying why (not ISO 4217, a registered non-fiat unit, or not accepted by this deployment)',
    examples: ['USD'],
    errorMessage: 'must be a currency code: 2–12 upper-case letters or digits, starting with a letter, e.g. USD',
  });
}
