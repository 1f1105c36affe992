import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NORMAL_SIDE, accountId, type AccountRef } from '../src/index.ts';

// Customer ids and provider names as callers send them: underscores, dashes and unicode included.
const owner = fc.string({ minLength: 1, maxLength: 12 });
const code = fc.constantFrom('USD', 'EUR', 'BTC', 'POINTS');
const ref: fc.Arbitrary<AccountRef> = fc.oneof(
  fc.record({ kind: fc.constantFrom('receivable' as const, 'wallet' as const), currency: code, customerId: owner }),
  fc.record({ kind: fc.constantFrom('revenue' as const, 'cash' as const, 'fx' as const), currency: code }),
  fc.record({ kind: fc.constant('external' as const), currency: code, provider: owner }),
);

describe('account ids', () => {
  it('names an account by what it is', () => {
    expect(accountId({ kind: 'wallet', currency: 'USD', customerId: 'cus-42' })).toBe('acc_wallet_USD_cus-42');
    expect(accountId({ kind: 'revenue', currency: 'USD' })).toBe('acc_revenue_USD');
    expect(accountId({ kind: 'external', currency: 'USD', provider: 'simulator' })).toBe('acc_external_USD_simulator');
  });

  it('never gives two different accounts the same id', () => {
    fc.assert(fc.property(ref, ref, (a, b) => {
      const same = JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
      expect(accountId(a) === accountId(b)).toBe(same);
    }));
  });

  it('keeps wallets and revenue credit-normal and everything else debit-normal', () => {
    expect(Object.entries(NORMAL_SIDE).filter(([, side]) => side === 'CREDIT').map(([kind]) => kind).sort()).toEqual(['revenue', 'wallet']);
  });
});
