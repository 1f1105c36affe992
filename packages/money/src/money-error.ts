// One error type for everything the money package refuses, so callers (an HTTP handler turning
// it into a 400, a workflow failing an update) can branch on a stable `reason` and show the
// message, which always says why the input was refused.

export type MoneyErrorReason =
  | 'empty'
  | 'whitespace'
  | 'plus_sign'
  | 'leading_zero'
  | 'negative_zero'
  | 'malformed'
  | 'too_many_integer_digits'
  | 'too_many_decimals'
  | 'not_positive'
  | 'negative'
  | 'unknown_currency'
  | 'not_fiat'
  | 'currency_not_allowed'
  | 'invalid_config'
  | 'currency_mismatch'
  | 'invalid_ratios'
  | 'invalid_json'
  | 'invalid_argument';

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
  readonly reason: MoneyErrorReason;

  constructor(reason: MoneyErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function isMoneyError(error: unknown): error is MoneyError {
  return error instanceof MoneyError;
}
