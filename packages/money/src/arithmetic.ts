// Exact arithmetic between amounts of one currency. Mixing currencies is always an error, never
// an implicit conversion: the caller has to say which rate it means (see convert).
import type { Currency } from './currencies.ts';
import { resolveCurrency } from './currencies.ts';
import { Money } from './money.ts';
import { MoneyError } from './money-error.ts';

function requireSameCurrency(left: Money, right: Money, operation: string): void {
  if (left.currency.code !== right.currency.code) {
    throw new MoneyError('currency_mismatch',
      `cannot ${operation} ${left.currency.code} and ${right.currency.code}; convert one of them first`);
  }
}

export function add(left: Money, right: Money): Money {
  requireSameCurrency(left, right, 'add');
  return Money.fromMinor(left.minor + right.minor, left.currency);
}

export function subtract(left: Money, right: Money): Money {
  requireSameCurrency(left, right, 'subtract');
  return Money.fromMinor(left.minor - right.minor, left.currency);
}

/** Sum of already rounded amounts (a bill total); the currency makes an empty list well defined. */
export function sum(amounts: Iterable<Money>, currency: string | Currency): Money {
  const target = resolveCurrency(currency);
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currency.code !== target.code) {
      throw new MoneyError('currency_mismatch',
        `cannot sum ${amount.currency.code} into a ${target.code} total; convert it first`);
    }
    total += amount.minor;
  }
  return Money.fromMinor(total, target);
}

export function compare(left: Money, right: Money): -1 | 0 | 1 {
  requireSameCurrency(left, right, 'compare');
  return left.minor < right.minor ? -1 : left.minor > right.minor ? 1 : 0;
}

export function equals(left: Money, right: Money): boolean {
  requireSameCurrency(left, right, 'compare');
  return left.minor === right.minor;
}

export function isZero(money: Money): boolean {
  return money.minor === 0n;
}

export function isNegative(money: Money): boolean {
  return money.minor < 0n;
}

export function negate(money: Money): Money {
  return Money.fromMinor(-money.minor, money.currency);
}
