import { describe, expect, it } from 'vitest';
import { MoneyError, moneyFromJSON, parseMoney } from '../src/index.ts';
import type { MoneyErrorReason } from '../src/index.ts';

function refusal(run: () => unknown): { reason: MoneyErrorReason; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof MoneyError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('expected a MoneyError, but nothing was thrown');
}

describe('parseMoney accepts plain decimals', () => {
  it.each([
    ['10', 'USD', 1000n], ['10.5', 'USD', 1050n], ['10.50', 'USD', 1050n], ['0.01', 'USD', 1n],
    ['0', 'USD', 0n], ['-3.2', 'USD', -320n], ['1000', 'JPY', 1000n], ['1.234', 'KWD', 1234n],
    ['0.0001', 'CLF', 1n], ['99999999999999.99', 'USD', 9999999999999999n],
  ])('reads %s %s as %i minor units', (amount, code, minor) => {
    const money = parseMoney(amount, code);
    expect(money.minor).toBe(minor);
    expect(money.currency.code).toBe(code);
  });
});

describe('parseMoney refuses, saying why', () => {
  it.each<[string, MoneyErrorReason, string]>([
    ['', 'empty', 'the amount is empty'],
    [' 1', 'whitespace', '" 1" has leading or trailing whitespace'],
    ['1 ', 'whitespace', '"1 " has leading or trailing whitespace'],
    ['+1', 'plus_sign', '"+1" has a "+" sign; write positive values without a sign'],
    ['1e3', 'malformed', '"1e3" uses exponent notation; write the digits out in full'],
    ['1.5E-2', 'malformed', '"1.5E-2" uses exponent notation; write the digits out in full'],
    ['NaN', 'malformed', '"NaN" is not a number'],
    ['Infinity', 'malformed', '"Infinity" is not a number'],
    ['1.', 'malformed', '"1." has no digits after the decimal point'],
    ['.5', 'malformed', '".5" has no digits before the decimal point; write "0.5"'],
    ['-.5', 'malformed', '"-.5" has no digits before the decimal point; write "-0.5"'],
    ['-', 'malformed', '"-" has no digits'],
    ['.', 'malformed', '"." has no digits'],
    ['1.2.3', 'malformed', '"1.2.3" has more than one decimal point'],
    ['0x10', 'malformed', '"0x10" is not a plain decimal: unexpected "x" at position 2'],
    ['1,000', 'malformed', '"1,000" is not a plain decimal: unexpected "," at position 2 (no group separators)'],
    ['--1', 'malformed', '"--1" is not a plain decimal: unexpected "-" at position 2'],
    ['01', 'leading_zero', '"01" has a leading zero; write "1"'],
    ['-00.5', 'leading_zero', '"-00.5" has a leading zero; write "-0.5"'],
    ['-0', 'negative_zero', '"-0" is a negative zero; write it without the "-"'],
    ['-0.00', 'negative_zero', '"-0.00" is a negative zero; write it without the "-"'],
    ['123456789012345', 'too_many_integer_digits',
      '"123456789012345" has 15 integer digits but the amount allows at most 14'],
    ['1.005', 'too_many_decimals', '"1.005" has 3 decimals but USD allows 2'],
  ])('refuses %j (%s)', (amount, reason, message) => {
    expect(refusal(() => parseMoney(amount, 'USD'))).toEqual({ reason, message });
  });

  it('refuses any decimal for a currency without a minor unit', () => {
    expect(refusal(() => parseMoney('1.5', 'JPY')))
      .toEqual({ reason: 'too_many_decimals', message: '"1.5" has 1 decimal but JPY allows 0' });
  });

  it('refuses an unknown currency before looking at the amount', () => {
    expect(refusal(() => parseMoney('1.005', 'XYZ')))
      .toEqual({ reason: 'unknown_currency', message: '"XYZ" is not an active ISO 4217 currency code' });
  });

  it('refuses a huge digit string without echoing all of it', () => {
    const { reason, message } = refusal(() => parseMoney('9'.repeat(10_000), 'USD'));
    expect(reason).toBe('too_many_integer_digits');
    expect(message).toBe(`"${'9'.repeat(40)}…" has 10000 integer digits but the amount allows at most 14`);
  });

  it('refuses a JS number passed where a string belongs', () => {
    expect(refusal(() => parseMoney(10.5 as unknown as string, 'USD')))
      .toEqual({ reason: 'invalid_argument', message: 'the amount must be a decimal string, got number' });
  });

  it('allows negatives by default but refuses them under { nonNegative: true }', () => {
    expect(parseMoney('-1', 'USD').minor).toBe(-100n);
    expect(refusal(() => parseMoney('-1', 'USD', { nonNegative: true }))).toEqual({
      reason: 'negative', message: '"-1" USD is negative; the amount must not be negative',
    });
    expect(parseMoney('0', 'USD', { nonNegative: true }).minor).toBe(0n);
  });

  it('refuses zero and negatives under { positive: true }', () => {
    expect(refusal(() => parseMoney('0.00', 'EUR', { positive: true }))).toEqual({
      reason: 'not_positive', message: '"0.00" EUR is not positive; the amount must be greater than zero',
    });
    expect(refusal(() => parseMoney('-5', 'EUR', { positive: true })).reason).toBe('not_positive');
    expect(parseMoney('0.01', 'EUR', { positive: true }).minor).toBe(1n);
  });
});

describe('JSON form', () => {
  it('writes {amount, currency} with the currency\'s decimals', () => {
    expect(JSON.stringify({ total: parseMoney('10.5', 'USD') })).toBe('{"total":{"amount":"10.50","currency":"USD"}}');
    expect(parseMoney('1000', 'JPY').toJSON()).toEqual({ amount: '1000', currency: 'JPY' });
    expect(parseMoney('-0.5', 'KWD').toJSON()).toEqual({ amount: '-0.500', currency: 'KWD' });
    expect(String(parseMoney('0.01', 'USD'))).toBe('0.01 USD');
  });

  it('reads back what it wrote', () => {
    const money = moneyFromJSON(JSON.parse('{"amount":"12.34","currency":"GEL"}'));
    expect(money.minor).toBe(1234n);
    expect(money.currency.code).toBe('GEL');
  });

  it.each<[unknown, string]>([
    [null, 'money must be an object like {"amount": "10.50", "currency": "USD"}'],
    [['10', 'USD'], 'money must be an object like {"amount": "10.50", "currency": "USD"}'],
    [{ amount: 10.5, currency: 'USD' }, 'money "amount" must be a decimal string like "10.50"; got a number'],
    [{ currency: 'USD' }, 'money "amount" must be a decimal string like "10.50"; it is missing'],
    [{ amount: '1' }, 'money "currency" must be an ISO 4217 code like "USD"; it is missing'],
  ])('refuses %j', (json, message) => {
    expect(refusal(() => moneyFromJSON(json))).toEqual({ reason: 'invalid_json', message });
  });

  it('applies the amount rules to JSON input too', () => {
    expect(refusal(() => moneyFromJSON({ amount: '1.005', currency: 'USD' })).reason).toBe('too_many_decimals');
  });
});
