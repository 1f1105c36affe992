import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money } from '@billing/money';
import {
  accountId, adjustmentPlan, collectionPlan, invoicePlan, refundPlan, topUpPlan, transferPlan, walletPaymentPlan, withdrawalPlan,
  type EntryPlan,
} from '../src/index.ts';

const usd = (minor: bigint) => Money.fromMinor(minor, 'USD');

/** Each posting as `debit|credit account amount`, in the order the plan lists them. */
function postings(plan: EntryPlan): string[] {
  return plan.postings.map((posting) => `${posting.direction.toLowerCase()} ${accountId(posting.account)} ${posting.amount.minor}`);
}

/** Debits minus credits per currency: zero in every currency for a balanced entry. */
function imbalance(plan: EntryPlan): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const posting of plan.postings) {
    const signed = posting.direction === 'DEBIT' ? posting.amount.minor : -posting.amount.minor;
    sums.set(posting.amount.currency.code, (sums.get(posting.amount.currency.code) ?? 0n) + signed);
  }
  return sums;
}

describe('posting plans', () => {
  it('books a top-up from the platform cash into the customer wallet, keyed by operation and customer', () => {
    const plan = topUpPlan('cus-1', usd(1050n), 'k1');
    expect(plan).toMatchObject({ type: 'TOPUP', idempotencyKey: 'topup:cus-1:k1', customerId: 'cus-1' });
    expect(postings(plan)).toEqual(['debit acc_cash_USD 1050', 'credit acc_wallet_USD_cus-1 1050']);
  });

  it('gives the same caller key used for two operations or by two customers two different ledger keys', () => {
    const keys = [
      topUpPlan('cus-1', usd(1n), 'k'), withdrawalPlan('cus-1', usd(1n), 'k'), topUpPlan('cus-2', usd(1n), 'k'),
      transferPlan('cus-1', 'cus-2', usd(1n), 'k'), walletPaymentPlan('cus-1', 'bill_1', usd(1n), 'k'),
    ].map((plan) => plan.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('moves a transfer wallet to wallet and shows it to the counterparty', () => {
    const plan = transferPlan('cus-1', 'cus-2', usd(500n), 'k');
    expect(plan.counterpartyId).toBe('cus-2');
    expect(postings(plan)).toEqual(['debit acc_wallet_USD_cus-1 500', 'credit acc_wallet_USD_cus-2 500']);
  });

  it('credits a goodwill adjustment to the wallet from revenue and debits a surcharge to the receivable', () => {
    expect(postings(adjustmentPlan('cus-1', 'wallet', 'CREDIT', usd(200n), 'sorry', 'k')))
      .toEqual(['debit acc_revenue_USD 200', 'credit acc_wallet_USD_cus-1 200']);
    expect(postings(adjustmentPlan('cus-1', 'receivable', 'DEBIT', usd(200n), 'late fee', 'k')))
      .toEqual(['debit acc_receivable_USD_cus-1 200', 'credit acc_revenue_USD 200']);
  });

  it('keys an invoice by its bill, so a bill is invoiced once whoever posts it', () => {
    const plan = invoicePlan('cus-1', 'bill_9', usd(4_949n));
    expect(plan.idempotencyKey).toBe('invoice:bill_9');
    expect(postings(plan)).toEqual(['debit acc_receivable_USD_cus-1 4949', 'credit acc_revenue_USD 4949']);
  });

  it('books a mandate collection from the provider against the receivable, referenced by the payment', () => {
    const plan = collectionPlan('cus-1', 'bill_9', usd(2_500n), 'simulator', 'mandate:mnd_1:3', 'sim_42');
    expect(plan).toMatchObject({ type: 'PAYMENT', idempotencyKey: 'mandate:mnd_1:3', reference: 'sim_42', billId: 'bill_9' });
    expect(postings(plan)).toEqual(['debit acc_external_USD_simulator 2500', 'credit acc_receivable_USD_cus-1 2500']);
  });

  it('refunds a payment the way it came', () => {
    const plan = refundPlan({
      id: 'ent_1', customerId: 'cus-1', billId: 'bill_9',
      source: { kind: 'external', currency: 'USD', provider: 'simulator' }, target: { kind: 'receivable', currency: 'USD', customerId: 'cus-1' },
    }, usd(100n), 'k');
    expect(plan).toMatchObject({ type: 'REFUND', refundOf: 'ent_1', idempotencyKey: 'refund:cus-1:k' });
    expect(postings(plan)).toEqual(['debit acc_receivable_USD_cus-1 100', 'credit acc_external_USD_simulator 100']);
  });

  it('balances every plan in every currency, whatever the amount', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: 10n ** 30n }), fc.constantFrom('USD', 'JPY', 'BHD'), (minor, code) => {
      const amount = Money.fromMinor(minor, code);
      const plans = [
        topUpPlan('a', amount, 'k'), withdrawalPlan('a', amount, 'k'), transferPlan('a', 'b', amount, 'k'),
        adjustmentPlan('a', 'wallet', 'DEBIT', amount, 'r', 'k'), invoicePlan('a', 'bill', amount),
        collectionPlan('a', 'bill', amount, 'psp', 'key', ''), walletPaymentPlan('a', 'bill', amount, 'k'),
      ];
      for (const plan of plans) {
        expect([...imbalance(plan).values()]).toEqual([0n]);
        expect(plan.postings.every((posting) => posting.amount.minor > 0n)).toBe(true);
      }
    }));
  });
});
