// The Money value: a bigint count of minor units (cents, fils, yen) and its currency. Amounts
// enter and leave as decimal strings in major units ({"amount": "10.50", "currency": "USD"});
// more decimals than the currency has is refused, never rounded, because silently dropping a
// fraction of a cent from a client's input is a bug we would never see.
import { resolveCurrency } from './currencies.ts';
import type { Currency } from './currencies.ts';
import { checkSign, decimalsPhrase, MAX_INTEGER_DIGITS } from './decimal.ts';
import type { SignRule } from './decimal.ts';
import { quote, readDecimalText, writeDecimalText } from './decimal-text.ts';
import { MoneyError } from './money-error.ts';
import { currencyOrUnit } from './units.ts';
import type { UnitRegistry } from './units.ts';

export type MoneyJSON = {
  readonly amount: string;
  readonly currency: string;
};

export type ParseMoneyOptions = SignRule;

export type MoneyFromJSONOptions = ParseMoneyOptions & {
  /** Also accept this registry's non-fiat units (wallets, the ledger); ISO 4217 only without it. */
  readonly units?: UnitRegistry;
};

export class Money {
  readonly minor: bigint;
  readonly currency: Currency;

  private constructor(minor: bigint, currency: Currency) {
    this.minor = minor;
    this.currency = currency;
    Object.freeze(this);
  }

  /** An amount counted in minor units: Money.fromMinor(1050n, 'USD') is 10.50 USD. */
  static fromMinor(minor: bigint, currency: string | Currency): Money {
    if (typeof minor !== 'bigint') {
      throw new MoneyError('invalid_argument', `minor units must be a bigint, got ${typeof minor}`);
    }
    return new Money(minor, resolveCurrency(currency));
  }

  static zero(currency: string | Currency): Money {
    return Money.fromMinor(0n, currency);
  }

  /** Canonical major-unit string with exactly the currency's decimals: "10.50", JPY "1000". */
  toDecimalString(): string {
    return writeDecimalText(this.minor, this.currency.exponent);
  }

  toJSON(): MoneyJSON {
    return { amount: this.toDecimalString(), currency: this.currency.code };
  }

  /** For logs and messages: "10.50 USD". */
  toString(): string {
    return `${this.toDecimalString()} ${this.currency.code}`;
  }
}

/**
 * Parses a major-unit decimal string strictly ("10", "10.5", "10.50", "-3.20"). Negative amounts
 * are allowed (ledger entries, refunds); pass { positive: true } or { nonNegative: true } for
 * inputs that must not be.
 */
export function parseMoney(amount: string, currencyCode: string | Currency, options: ParseMoneyOptions = {}): Money {
  const currency = resolveCurrency(currencyCode);
  const parts = readDecimalText(amount, 'the amount', MAX_INTEGER_DIGITS);
  const decimals = parts.fractionDigits.length;
  if (decimals > currency.exponent) {
    throw new MoneyError('too_many_decimals',
      `${quote(amount)} has ${decimalsPhrase(decimals)} but ${currency.code} allows ${currency.exponent}`);
  }
  const digits = parts.integerDigits + parts.fractionDigits.padEnd(currency.exponent, '0');
  const magnitude = BigInt(digits);
  const minor = parts.negative ? -magnitude : magnitude;
  checkSign(minor, options, () => `${quote(amount)} ${currency.code}`, 'the amount');
  return Money.fromMinor(minor, currency);
}

export function toDecimalString(money: Money): string {
  return money.toDecimalString();
}

/** The inverse of money.toJSON(); refuses a JSON number amount, the float we never accept. */
export function moneyFromJSON(json: unknown, options: MoneyFromJSONOptions = {}): Money {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MoneyError('invalid_json', 'money must be an object like {"amount": "10.50", "currency": "USD"}');
  }
  const { amount, currency } = json as Record<string, unknown>;
  if (typeof amount !== 'string') {
    const got = amount === undefined ? 'it is missing' : `got a ${typeof amount}`;
    throw new MoneyError('invalid_json', `money "amount" must be a decimal string like "10.50"; ${got}`);
  }
  if (typeof currency !== 'string') {
    const got = currency === undefined ? 'it is missing' : `got a ${typeof currency}`;
    throw new MoneyError('invalid_json', `money "currency" must be an ISO 4217 code like "USD"; ${got}`);
  }
  const { units, ...signRule } = options;
  return parseMoney(amount, units === undefined ? currency : currencyOrUnit(currency, units), signRule);
}
