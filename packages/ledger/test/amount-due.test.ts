import { describe, expect, it } from 'vitest';
import { Money } from '@billing/money';
import { amountDue, insufficientFunds, transferPlan, withdrawalPlan } from '../src/index.ts';

describe('amountDue', () => {
  it('is the invoice less what was paid, plus what was refunded', () => {
    expect(amountDue({ invoiced: 4_949n, paid: 0n, refunded: 0n, credited: 0n })).toBe(4_949n);
    expect(amountDue({ invoiced: 4_949n, paid: 4_949n, refunded: 0n, credited: 0n })).toBe(0n);
    expect(amountDue({ invoiced: 4_949n, paid: 4_949n, refunded: 1_000n, credited: 0n })).toBe(1_000n);
  });

  it('goes below zero when a collection landed before the invoice was larger than it', () => {
    expect(amountDue({ invoiced: 0n, paid: 2_500n, refunded: 0n, credited: 0n })).toBe(-2_500n);
  });

  it('stays exact beyond what a JavaScript number holds', () => {
    expect(amountDue({ invoiced: 10n ** 30n + 1n, paid: 1n, refunded: 0n, credited: 0n })).toBe(10n ** 30n);
  });
});

describe('insufficientFunds', () => {
  it('names the wallet the plan debits, in its currency, and the amount', () => {
    const refusal = insufficientFunds(transferPlan('cus-1', 'cus-2', Money.fromMinor(1_050n, 'EUR'), 'k'));
    expect(refusal.reason).toBe('insufficient-funds');
    expect(refusal.message).toBe('insufficient funds: the EUR wallet of customer cus-1 holds less than 10.50');
    expect(insufficientFunds(withdrawalPlan('cus-3', Money.fromMinor(1n, 'JPY'), 'k')).message).toContain('JPY wallet of customer cus-3');
  });
});
