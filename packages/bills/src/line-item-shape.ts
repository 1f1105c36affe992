// The shape of one line item: what it must look like whatever the bill's exchange rate. Pure, so
// bill-service (a 400 before anything reaches Temporal) and the bill workflow's Update validator
// (nothing malformed reaches history) run this very function and cannot disagree about it.
import {
  isCurrency, isMoneyError, type Money, multiply, parseMoney, parseQuantity, parseUnitPrice,
} from '@billing/money';
import { DESCRIPTION_MAX_CHARS, charCount, checkFreeText, checkTextValue, type FreeTextCheck } from '@billing/text';

export { DESCRIPTION_MAX_CHARS };
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY_MAX_CHARS = 40;
export const METADATA_VALUE_MAX_CHARS = 500;

/** One thing wrong with the input, naming the field (`metadata.region` for a metadata entry). */
export interface LineItemProblem {
  readonly field: string;
  readonly message: string;
}

/** A well-formed item, its amount known in its own currency; not yet converted into the bill's. */
export interface CheckedLineItem {
  readonly idempotencyKey: string;
  /** Trimmed. */
  readonly description: string;
  /** "1" for an item given as a plain amount. */
  readonly quantity: string;
  /** Major units of `currency`, as written (the amount itself for a plain-amount item). */
  readonly unitPrice: string;
  /** The item's own currency: the bill's when the caller gave none. */
  readonly currency: string;
  /** quantity × unitPrice rounded once, half-even, to the currency's minor unit. */
  readonly amountMinor: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export type LineItemShapeCheck =
  | { readonly ok: true; readonly item: CheckedLineItem }
  | { readonly ok: false; readonly problems: readonly LineItemProblem[] };

// Visible ASCII only: keys travel in HTTP headers and logs, where spaces and control characters
// cause trouble.
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]+$/;
const METADATA_KEY_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/**
 * `previousTextRule`: judge the text as items were judged before the platform's free-text rule
 * (descriptions refused C0 controls but tab and line feed, and DEL; metadata values any
 * character). Only for a bill workflow replaying history recorded before that rule, so that its
 * handlers decide as they did then (see BILL_PATCHES in the worker).
 */
export interface LineItemCheckOptions {
  readonly previousTextRule?: boolean;
}
// eslint-disable-next-line no-control-regex -- the characters the previous rule refused
const PREVIOUS_DESCRIPTION_REFUSED = /[\u0000-\u0008\u000b-\u001f\u007f]/;
/** Longer values are cut in messages: a megabyte of garbage is not echoed back. */
const SHOWN_CHARS = 40;

type Report = (field: string, message: string) => void;

/** A money error is the caller's mistake and becomes a problem; anything else is a bug and is thrown. */
function reason(error: unknown): string {
  if (isMoneyError(error)) return error.message;
  throw error;
}

function shown(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > SHOWN_CHARS ? `${chars.slice(0, SHOWN_CHARS).join('')}…` : text);
}

/**
 * Checks a line item as a caller sent it, for a bill in `billCurrency` (the item's currency when
 * it names none, which fixes how many decimals its amount may have). The item's own amount is
 * part of its shape: quantity × unitPrice that rounds to nothing is refused whatever the rate.
 * Every problem found is reported, not only the first, so a client can fix its request in one go.
 */
export function checkLineItemShape(input: unknown, billCurrency: string, options: LineItemCheckOptions = {}): LineItemShapeCheck {
  const problems: LineItemProblem[] = [];
  const report: Report = (field, message) => problems.push({ field, message });
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;

  const idempotencyKey = checkIdempotencyKey(raw.idempotencyKey, report);
  const description = checkDescription(raw.description, report, options);
  const currency = checkCurrency(raw.currency === undefined ? billCurrency : raw.currency, report);
  const price = checkPrice(raw, currency, report);
  const metadata = checkMetadata(raw.metadata, report, options);

  if (problems.length > 0 || idempotencyKey === undefined || description === undefined || currency === undefined || !price) {
    return { ok: false, problems: problems.length > 0 ? problems : [{ field: 'amount', message: 'is invalid' }] };
  }
  return {
    ok: true,
    item: {
      idempotencyKey, description, currency, metadata,
      quantity: price.quantity, unitPrice: price.unitPrice, amountMinor: price.amount.minor.toString(),
    },
  };
}

function checkIdempotencyKey(value: unknown, report: Report): string | undefined {
  if (typeof value !== 'string' || value.length === 0) report('idempotencyKey', 'is required');
  else if (value.length > IDEMPOTENCY_KEY_MAX_CHARS) report('idempotencyKey', `must be at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters`);
  else if (!IDEMPOTENCY_KEY_PATTERN.test(value)) report('idempotencyKey', 'must be visible ASCII characters without spaces');
  else return value;
  return undefined;
}

function checkDescription(value: unknown, report: Report, options: LineItemCheckOptions): string | undefined {
  if (typeof value !== 'string') return report('description', 'is required'), undefined;
  const check = options.previousTextRule === true ? previousDescriptionRule(value) : checkFreeText(value, { maxChars: DESCRIPTION_MAX_CHARS });
  if (check.ok) return check.text;
  report('description', check.message);
  return undefined;
}

function checkCurrency(value: unknown, report: Report): string | undefined {
  if (typeof value === 'string' && isCurrency(value)) return value;
  report('currency', typeof value === 'string'
    ? `${shown(value)} is not a supported ISO 4217 currency code`
    : 'must be an ISO 4217 currency code');
  return undefined;
}

interface Price {
  quantity: string;
  unitPrice: string;
  amount: Money;
}

/** Either `amount`, or `quantity` and `unitPrice`; decimals as the currency and the field allow. */
function checkPrice(raw: Record<string, unknown>, currency: string | undefined, report: Report): Price | undefined {
  const hasAmount = raw.amount !== undefined;
  const hasQuantity = raw.quantity !== undefined || raw.unitPrice !== undefined;
  if (hasAmount && hasQuantity) {
    report('amount', 'give either amount, or quantity and unitPrice, not both');
    return undefined;
  }
  if (!hasAmount && !hasQuantity) {
    report('amount', 'is required unless quantity and unitPrice are given');
    return undefined;
  }
  if (hasAmount) {
    if (typeof raw.amount !== 'string') report('amount', 'must be a decimal string like "10.50"');
    else if (currency !== undefined) {
      try {
        return { quantity: '1', unitPrice: raw.amount, amount: parseMoney(raw.amount, currency, { positive: true }) };
      } catch (error) {
        report('amount', reason(error));
      }
    }
    return undefined;
  }

  let quantity;
  let unitPrice;
  if (typeof raw.quantity !== 'string') report('quantity', 'is required with unitPrice and must be a decimal string');
  else {
    try {
      quantity = parseQuantity(raw.quantity, { positive: true });
    } catch (error) {
      report('quantity', reason(error));
    }
  }
  if (typeof raw.unitPrice !== 'string') report('unitPrice', 'is required with quantity and must be a decimal string');
  else if (currency !== undefined) {
    try {
      unitPrice = parseUnitPrice(raw.unitPrice, currency, { positive: true });
    } catch (error) {
      report('unitPrice', reason(error));
    }
  }
  if (!quantity || !unitPrice) return undefined;
  const amount = multiply(unitPrice, quantity);
  if (amount.minor <= 0n) {
    report('unitPrice', `quantity × unitPrice rounds to ${amount.toString()}; an item must be worth more than zero`);
    return undefined;
  }
  return { quantity: raw.quantity as string, unitPrice: raw.unitPrice as string, amount };
}

function previousDescriptionRule(value: string): FreeTextCheck {
  const text = value.trim();
  if (text === '') return { ok: false, message: 'is required and must not be blank' };
  if (charCount(text) > DESCRIPTION_MAX_CHARS) return { ok: false, message: `must be at most ${DESCRIPTION_MAX_CHARS} characters` };
  return PREVIOUS_DESCRIPTION_REFUSED.test(text) ? { ok: false, message: 'must not contain control characters' } : { ok: true, text };
}

function checkMetadata(value: unknown, report: Report, options: LineItemCheckOptions): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    report('metadata', 'must be an object of string values');
    return {};
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METADATA_MAX_KEYS) report('metadata', `must have at most ${METADATA_MAX_KEYS} keys, got ${entries.length}`);
  const metadata: Record<string, string> = {};
  for (const [key, entry] of entries) {
    if (key.length === 0 || key.length > METADATA_KEY_MAX_CHARS || !METADATA_KEY_PATTERN.test(key)) {
      report(`metadata.${key.slice(0, SHOWN_CHARS)}`,
        `keys must be 1–${METADATA_KEY_MAX_CHARS} characters of letters, digits, "_", ".", ":" or "-"`);
    } else if (typeof entry !== 'string') {
      report(`metadata.${key}`, 'must be a string');
    } else if (options.previousTextRule === true && charCount(entry) <= METADATA_VALUE_MAX_CHARS) {
      metadata[key] = entry;
    } else {
      const check = checkTextValue(entry, METADATA_VALUE_MAX_CHARS);
      if (check.ok) metadata[key] = entry;
      else report(`metadata.${key}`, check.message);
    }
  }
  return metadata;
}
