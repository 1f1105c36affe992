// Validation and pricing of one line item (spec §3). One function serves both bill-service (a
// 400 before anything reaches Temporal) and the workflow's update validator (nothing malformed
// reaches history), so the two can never disagree about what a valid item is.
import {
  convert, currency as currencyOf, isCurrency, isMoneyError, Money, multiply, parseMoney, parseQuantity, parseRate,
  parseUnitPrice,
} from '@billing/money';
import type { LineItemInput } from './messages.ts';

export const DESCRIPTION_MAX_CHARS = 500;
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY_MAX_CHARS = 40;
export const METADATA_VALUE_MAX_CHARS = 500;

/** One thing wrong with the input, naming the field (`metadata.region` for a metadata entry). */
export interface LineItemProblem {
  readonly field: string;
  readonly message: string;
}

/** A valid item with its amounts computed; money as minor units in decimal strings. */
export interface PricedLineItem {
  readonly idempotencyKey: string;
  /** Trimmed. */
  readonly description: string;
  /** "1" for an item given as a plain amount. */
  readonly quantity: string;
  /** Major units of `currency`, as written (the amount itself for a plain-amount item). */
  readonly unitPrice: string;
  readonly currency: string;
  /** quantity × unitPrice rounded once, half-even, to the currency's minor unit. */
  readonly amountMinor: string;
  /** In the bill's currency; null when the item is already in it. */
  readonly convertedMinor: string | null;
  readonly exchangeRate: { readonly rate: string; readonly source: string; readonly asOf: string; readonly rateId?: string } | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export type LineItemValidation =
  | { readonly ok: true; readonly item: PricedLineItem }
  | { readonly ok: false; readonly problems: readonly LineItemProblem[] };

// Visible ASCII only: keys travel in HTTP headers and logs, where spaces and control characters
// cause trouble.
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;
const METADATA_KEY_PATTERN = /^[A-Za-z0-9_.:-]+$/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function reason(error: unknown): string {
  if (isMoneyError(error)) return error.message;
  throw error;
}

function charCount(text: string): number {
  return [...text].length;
}

/**
 * Validates and prices a line item for a bill in `billCurrency`. Every problem found is
 * reported, not only the first, so a client can fix its request in one go.
 */
export function validateLineItem(input: LineItemInput, billCurrency: string): LineItemValidation {
  const problems: LineItemProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, message });
  const raw = (input ?? {}) as unknown as Record<string, unknown>;

  const key = raw.idempotencyKey;
  if (typeof key !== 'string' || key.length === 0) problem('idempotencyKey', 'is required');
  else if (key.length > IDEMPOTENCY_KEY_MAX_CHARS) problem('idempotencyKey', `must be at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters`);
  else if (!IDEMPOTENCY_KEY_PATTERN.test(key)) problem('idempotencyKey', 'must be visible ASCII characters without spaces');

  const description = typeof raw.description === 'string' ? raw.description.trim() : undefined;
  if (description === undefined || description.length === 0) problem('description', 'is required and must not be blank');
  else if (charCount(description) > DESCRIPTION_MAX_CHARS) problem('description', `must be at most ${DESCRIPTION_MAX_CHARS} characters`);
  else if (CONTROL_CHARACTERS.test(description)) problem('description', 'must not contain control characters');

  const itemCurrency = raw.currency === undefined ? billCurrency : raw.currency;
  const currencyOk = typeof itemCurrency === 'string' && isCurrency(itemCurrency);
  if (!currencyOk) {
    problem('currency', typeof itemCurrency === 'string'
      ? `${JSON.stringify(itemCurrency)} is not a supported ISO 4217 currency code`
      : 'must be an ISO 4217 currency code');
  }

  let amount: Money | undefined;
  let quantity = '1';
  let unitPrice = '';
  const hasAmount = raw.amount !== undefined;
  const hasQuantity = raw.quantity !== undefined || raw.unitPrice !== undefined;
  if (hasAmount && hasQuantity) {
    problem('amount', 'give either amount, or quantity and unitPrice, not both');
  } else if (!hasAmount && !hasQuantity) {
    problem('amount', 'is required unless quantity and unitPrice are given');
  } else if (hasAmount) {
    if (typeof raw.amount !== 'string') problem('amount', 'must be a decimal string like "10.50"');
    else if (currencyOk) {
      try {
        amount = parseMoney(raw.amount, itemCurrency, { positive: true });
        unitPrice = raw.amount;
      } catch (error) {
        problem('amount', reason(error));
      }
    }
  } else {
    let parsedQuantity;
    let parsedPrice;
    if (typeof raw.quantity !== 'string') problem('quantity', 'is required with unitPrice and must be a decimal string');
    else {
      try {
        parsedQuantity = parseQuantity(raw.quantity, { positive: true });
        quantity = raw.quantity;
      } catch (error) {
        problem('quantity', reason(error));
      }
    }
    if (typeof raw.unitPrice !== 'string') problem('unitPrice', 'is required with quantity and must be a decimal string');
    else if (currencyOk) {
      try {
        parsedPrice = parseUnitPrice(raw.unitPrice, itemCurrency, { positive: true });
        unitPrice = raw.unitPrice;
      } catch (error) {
        problem('unitPrice', reason(error));
      }
    }
    if (parsedQuantity && parsedPrice) {
      amount = multiply(parsedPrice, parsedQuantity);
      if (amount.minor <= 0n) {
        problem('unitPrice', `quantity × unitPrice rounds to ${amount.toString()}; an item must be worth more than zero`);
      }
    }
  }

  const metadata = checkMetadata(raw.metadata, problem);

  let convertedMinor: string | null = null;
  let exchangeRate: PricedLineItem['exchangeRate'] = null;
  if (currencyOk && itemCurrency !== billCurrency) {
    const rate = raw.exchangeRate as LineItemInput['exchangeRate'] | undefined;
    if (!rate) {
      problem('currency', `an item in ${itemCurrency} needs an exchange rate into the bill's ${billCurrency}`);
    } else if (amount) {
      try {
        parseRate(rate.rate);
        const converted = convert(amount, rate.rate, currencyOf(billCurrency));
        convertedMinor = converted.minor.toString();
        exchangeRate = { rate: rate.rate, source: rate.source, asOf: rate.asOf, ...(rate.rateId ? { rateId: rate.rateId } : {}) };
      } catch (error) {
        problem('exchangeRate', reason(error));
      }
    }
  }

  if (problems.length > 0 || !amount) {
    return { ok: false, problems: problems.length > 0 ? problems : [{ field: 'amount', message: 'is invalid' }] };
  }
  return {
    ok: true,
    item: {
      idempotencyKey: key as string,
      description: description as string,
      quantity,
      unitPrice,
      currency: itemCurrency as string,
      amountMinor: amount.minor.toString(),
      convertedMinor,
      exchangeRate,
      metadata,
    },
  };
}

function checkMetadata(value: unknown, problem: (field: string, message: string) => void): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problem('metadata', 'must be an object of string values');
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METADATA_MAX_KEYS) problem('metadata', `must have at most ${METADATA_MAX_KEYS} keys, got ${entries.length}`);
  const metadata: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (key.length === 0 || key.length > METADATA_KEY_MAX_CHARS || !METADATA_KEY_PATTERN.test(key)) {
      problem(`metadata.${key}`, `keys must be 1–${METADATA_KEY_MAX_CHARS} characters of letters, digits, "_", ".", ":" or "-"`);
    } else if (typeof entry !== 'string') {
      problem(`metadata.${key}`, 'must be a string');
    } else if (charCount(entry) > METADATA_VALUE_MAX_CHARS) {
      problem(`metadata.${key}`, `must be at most ${METADATA_VALUE_MAX_CHARS} characters`);
    } else {
      metadata[key] = entry;
    }
  }
  return metadata;
}

/** A minor-unit string shown as a major-unit decimal in `currencyCode`: ("1050", "USD") → "10.50". */
export function minorToDecimal(minor: string, currencyCode: string): string {
  return Money.fromMinor(BigInt(minor), currencyCode).toDecimalString();
}
