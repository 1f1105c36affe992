// @billing/money: currencies, exact amounts, strict parsing, one half-even rounding, allocation.
export { currency, CURRENCY_CODES, isCurrency } from './currencies.ts';
export type { Currency } from './currencies.ts';
export {
  codeKind, currencyOrUnit, DEFAULT_UNITS, DEFAULT_UNITS_CONFIG, MAX_UNIT_EXPONENT, parseBillCurrencies,
  parseUnitRegistry, requireBillCurrency, requireFiat,
} from './units.ts';
export type { BillCurrencies, CodeKind, UnitRegistry } from './units.ts';
export { isMoneyError, MoneyError } from './money-error.ts';
export type { MoneyErrorReason } from './money-error.ts';
export { Money, moneyFromJSON, parseMoney, toDecimalString } from './money.ts';
export type { MoneyFromJSONOptions, MoneyJSON, ParseMoneyOptions } from './money.ts';
export {
  addDecimals, compareDecimals, decimal, decimalToString, DEFAULT_MAX_SCALE, MAX_INTEGER_DIGITS, multiplyDecimals,
  parseDecimal, normalizeDecimal, parseQuantity, parseRate, QUANTITY_MAX_SCALE, subtractDecimals, UNIT_PRICE_MAX_SCALE,
} from './decimal.ts';
export type { Decimal, ParseDecimalOptions, SignRule } from './decimal.ts';
export { pow10, rescaleHalfEven, roundHalfEven } from './rounding.ts';
export { add, compare, equals, isNegative, isZero, negate, subtract, sum } from './arithmetic.ts';
export { multiply, multiplyExact, parseUnitPrice, roundToMoney, toDecimal } from './multiply.ts';
export type { UnitPrice } from './multiply.ts';
export { convert, convertExact } from './convert.ts';
export { allocate } from './allocate.ts';
export type { Ratio } from './allocate.ts';
