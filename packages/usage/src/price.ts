// Prices of usage: a quantity becomes an amount of money, computed exactly in decimals and rounded
// once, half-even, to the currency's minor unit (never per tier, never per unit).
//
// - PER_UNIT: quantity × unitPrice.
// - GRADUATED: each tier prices the units that fall in it, (previous upTo, upTo], plus its flat
//   fee once any unit falls in it (Stripe's "graduated", Lago's "graduated").
// - VOLUME: the tier the whole quantity falls in prices every unit, plus that tier's flat fee.
// - PACKAGE: started packages of packageSize units, each at packagePrice.
// A quantity of zero costs nothing under every model.
import type { Money} from '@billing/money';
import {
  addDecimals, compareDecimals, currency as currencyOf, decimal, decimalToString, isCurrency, isMoneyError, multiplyDecimals, normalizeDecimal,
  parseDecimal, parseMoney, pow10, QUANTITY_MAX_SCALE, roundToMoney, subtractDecimals, UNIT_PRICE_MAX_SCALE, type Decimal,
} from '@billing/money';
import type { FieldProblem } from './metric.ts';

export const PRICE_MODELS = ['PER_UNIT', 'GRADUATED', 'VOLUME', 'PACKAGE'] as const;
export type PriceModel = (typeof PRICE_MODELS)[number];
export const MAX_TIERS = 20;

/** A price as stored and shown: every figure a decimal string in major units of `currency`. */
export interface PriceDefinition {
  readonly currency: string;
  readonly model: PriceModel;
  readonly unitPrice?: string;
  readonly tiers?: ReadonlyArray<{ readonly upTo: string | null; readonly unitPrice: string; readonly flatFee?: string }>;
  readonly packageSize?: string;
  readonly packagePrice?: string;
}

export interface PricedQuantity {
  readonly amount: Money;
  /** The exact amount before the one rounding, in major units. */
  readonly exact: string;
}

const UNIT_PRICE = { maxScale: UNIT_PRICE_MAX_SCALE, nonNegative: true, label: 'the unit price' } as const;
/** Tier bounds and package sizes are quantities, which may be finer than whole units. */
const BOUND = { maxScale: QUANTITY_MAX_SCALE + 6, positive: true, label: 'the quantity' } as const;

/** A price as sent, checked and in canonical form, or the problems, each naming its field. */
export function checkPrice(input: Record<string, unknown>): { ok: true; price: PriceDefinition } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const code = input.currency;
  if (typeof code !== 'string' || !isCurrency(code)) problems.push({ field: 'currency', message: 'must be an ISO 4217 code like "USD"' });
  const model = input.model;
  if (typeof model !== 'string' || !(PRICE_MODELS as readonly string[]).includes(model)) {
    problems.push({ field: 'model', message: `must be one of ${PRICE_MODELS.join(', ')}` });
  }
  if (problems.length > 0) return { ok: false, problems };
  const currency = code as string;
  const text = (field: string, parse: (value: string) => unknown): string | undefined => {
    const value = input[field];
    if (typeof value !== 'string') {
      problems.push({ field, message: value === undefined ? `is required for ${String(model)}` : 'must be a decimal string, never a JSON number' });
      return undefined;
    }
    try {
      parse(value);
      return value;
    } catch (error) {
      if (!isMoneyError(error)) throw error;
      problems.push({ field, message: error.message });
      return undefined;
    }
  };
  const unexpected = (fields: string[]) => {
    for (const field of fields) if (input[field] !== undefined) problems.push({ field, message: `is not used by ${String(model)}` });
  };
  let price: PriceDefinition;
  switch (model as PriceModel) {
    case 'PER_UNIT':
      unexpected(['tiers', 'packageSize', 'packagePrice']);
      price = { currency, model: 'PER_UNIT', unitPrice: text('unitPrice', (value) => parseDecimal(value, UNIT_PRICE)) };
      break;
    case 'GRADUATED':
    case 'VOLUME':
      unexpected(['unitPrice', 'packageSize', 'packagePrice']);
      price = { currency, model: model as PriceModel, tiers: checkTiers(input.tiers, currency, problems) };
      break;
    case 'PACKAGE':
      unexpected(['unitPrice', 'tiers']);
      price = {
        currency, model: 'PACKAGE',
        packageSize: text('packageSize', (value) => parseDecimal(value, BOUND)),
        packagePrice: text('packagePrice', (value) => parseMoney(value, currency, { nonNegative: true })),
      };
      break;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, price };
}

function checkTiers(raw: unknown, currency: string, problems: FieldProblem[]): NonNullable<PriceDefinition['tiers']> {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_TIERS) {
    problems.push({ field: 'tiers', message: `must hold 1–${MAX_TIERS} tiers` });
    return [];
  }
  const tiers: Array<{ upTo: string | null; unitPrice: string; flatFee?: string }> = [];
  let previous: Decimal | null = null;
  raw.forEach((tier: unknown, index) => {
    const { upTo, unitPrice, flatFee } = (tier ?? {}) as Record<string, unknown>;
    const at = (field: string) => (field === '' ? `tiers[${index}]` : `tiers[${index}].${field}`);
    const last = index === raw.length - 1;
    const problem = (field: string, message: string) => problems.push({ field: at(field), message });
    try {
      if (last) {
        if (upTo !== null) problem('upTo', 'must be null in the last tier, which has no upper bound');
      } else if (typeof upTo !== 'string') {
        problem('upTo', 'must be a decimal string in every tier but the last');
      } else {
        const bound = parseDecimal(upTo, BOUND);
        if (previous !== null && compareDecimals(bound, previous) <= 0) problem('upTo', 'must be greater than the previous tier\'s');
        previous = bound;
      }
      if (typeof unitPrice !== 'string') problem('unitPrice', 'must be a decimal string, never a JSON number');
      else parseDecimal(unitPrice, UNIT_PRICE);
      if (flatFee !== undefined && typeof flatFee !== 'string') problem('flatFee', 'must be a decimal string, never a JSON number');
      else if (flatFee !== undefined) parseMoney(flatFee, currency, { nonNegative: true });
    } catch (error) {
      if (!isMoneyError(error)) throw error;
      problem('', error.message);
    }
    tiers.push({ upTo: (upTo ?? null) as string | null, unitPrice: unitPrice as string, ...(flatFee === undefined ? {} : { flatFee: flatFee as string }) });
  });
  return tiers;
}

const exactly = (text: string) => parseDecimal(text, { maxIntegerDigits: 40, maxScale: 40 });
const ZERO = decimal(0n);

function minDecimal(a: Decimal, b: Decimal): Decimal {
  return compareDecimals(a, b) <= 0 ? a : b;
}

/** ⌈a / b⌉ for positive decimals. */
function ceilDivide(a: Decimal, b: Decimal): bigint {
  const scale = Math.max(a.scale, b.scale);
  const numerator = a.coefficient * pow10(scale - a.scale);
  const denominator = b.coefficient * pow10(scale - b.scale);
  return (numerator + denominator - 1n) / denominator;
}

/** What a quantity costs under a price: the exact amount, and the amount rounded once. */
export function priceQuantity(price: PriceDefinition, quantityText: string): PricedQuantity {
  const quantity = exactly(quantityText);
  const exact = compareDecimals(quantity, ZERO) <= 0 ? ZERO : exactAmount(price, quantity);
  const currency = currencyOf(price.currency);
  return { amount: roundToMoney(exact, currency), exact: decimalToString(normalizeDecimal(exact)) };
}

function exactAmount(price: PriceDefinition, quantity: Decimal): Decimal {
  switch (price.model) {
    case 'PER_UNIT':
      return multiplyDecimals(quantity, exactly(price.unitPrice as string));
    case 'GRADUATED': {
      let total = ZERO;
      let lower = ZERO;
      for (const tier of price.tiers ?? []) {
        if (compareDecimals(quantity, lower) <= 0) break;
        const upper = tier.upTo === null ? quantity : minDecimal(quantity, exactly(tier.upTo));
        total = addDecimals(total, multiplyDecimals(subtractDecimals(upper, lower), exactly(tier.unitPrice)));
        if (tier.flatFee !== undefined) total = addDecimals(total, exactly(tier.flatFee));
        if (tier.upTo === null) break;
        lower = exactly(tier.upTo);
      }
      return total;
    }
    case 'VOLUME': {
      const tiers = price.tiers ?? [];
      const tier = tiers.find((one) => one.upTo === null || compareDecimals(quantity, exactly(one.upTo)) <= 0) ?? tiers[tiers.length - 1];
      if (tier === undefined) return ZERO;
      const units = multiplyDecimals(quantity, exactly(tier.unitPrice));
      return tier.flatFee === undefined ? units : addDecimals(units, exactly(tier.flatFee));
    }
    case 'PACKAGE': {
      const packages = ceilDivide(quantity, exactly(price.packageSize as string));
      return multiplyDecimals(decimal(packages), exactly(price.packagePrice as string));
    }
  }
}
