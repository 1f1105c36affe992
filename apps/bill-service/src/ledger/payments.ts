// The two operations whose postings depend on what is stored: paying a bill from the wallet (it
// pays what is still owed) and refunding a payment (never more than is left of it). Each runs in
// one transaction that first locks the entry it reads from (the bill's invoice, the payment), so
// concurrent payments of one bill, or refunds of one payment, take turns and each sees what the
// previous one did. The key is looked up again under the lock: a concurrent retry of the same
// request answers the entry the first one posted.
import type { Knex } from 'knex';
import { retryOnConflict } from '@billing/db';
import {
  LedgerRefusal, amountDue, insufficientFunds, ledgerKey, refundPlan, walletPaymentPlan, type AccountRef, type EntryPlan,
} from '@billing/ledger';
import { currencyOrUnit, isMoneyError, Money, parseMoney, toDecimalString, type Currency, type UnitRegistry } from '@billing/money';
import { billsRepository } from '../bills/bills-repository.ts';
import type { AccountRow, LedgerRepository, PostOutcome } from './ledger-repository.ts';
import { countPosted, isOverdraft } from './ledger-writer.ts';

/** The reference of a stored account, as plans name accounts. */
export function accountRef(row: AccountRow): AccountRef {
  switch (row.kind) {
    case 'receivable':
    case 'wallet':
      return { kind: row.kind, currency: row.currency, customerId: row.customer_id ?? '' };
    case 'external':
      return { kind: 'external', currency: row.currency, provider: row.provider ?? '' };
    default:
      return { kind: row.kind, currency: row.currency };
  }
}

export function ledgerPayments(db: Knex, ledger: LedgerRepository, units: UnitRegistry) {
  const bills = billsRepository(db);

  /** Runs `decide` under its lock unless the key was posted before; posts what it plans. */
  async function postOnce(key: string, decide: (trx: Knex.Transaction) => Promise<EntryPlan>): Promise<PostOutcome> {
    const earlier = (await ledger.findByKeys([key])).get(key);
    if (earlier) return { entry: earlier, replayed: true };
    let plan: EntryPlan | undefined;
    try {
      // Counted after the transaction commits: a rolled-back entry was never posted.
      return countPosted(await retryOnConflict(() => db.transaction(async (trx) => {
        plan = await decide(trx);
        const posted = await ledger.postIn(trx, plan);
        if (posted) return { entry: posted, replayed: false };
        const first = (await ledger.findByKeys([key], trx)).get(key);
        if (!first) throw new Error(`ledger entry with key ${key} neither inserted nor found`);
        return { entry: first, replayed: true };
      })));
    } catch (error) {
      if (plan && isOverdraft(error)) throw insufficientFunds(plan, error);
      throw error;
    }
  }

  /** The same key posted while this one waited for the lock: answer that entry. */
  async function raced(trx: Knex.Transaction, key: string): Promise<void> {
    if ((await ledger.findByKeys([key], trx)).has(key)) throw new RacedReplay();
  }

  async function withReplayOnRace(key: string, run: () => Promise<PostOutcome>): Promise<PostOutcome> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof RacedReplay)) throw error;
      const first = (await ledger.findByKeys([key])).get(key);
      if (!first) throw new Error(`ledger entry with key ${key} vanished`, { cause: error });
      return { entry: first, replayed: true };
    }
  }

  return {
    async payBillFromWallet(customerId: string, billingPeriod: string, callerKey: string): Promise<PostOutcome> {
      const key = ledgerKey('payment', customerId, callerKey);
      return withReplayOnRace(key, () => postOnce(key, async (trx) => {
        const bill = await bills.find(customerId, billingPeriod, trx);
        if (!bill) throw new LedgerRefusal('unknown-bill', `customer ${customerId} has no bill for ${billingPeriod}`);
        if (bill.status === 'CLOSING') {
          throw new LedgerRefusal('bill-closing', `the bill for ${billingPeriod} is CLOSING; it can be paid once CLOSED, retry shortly`);
        }
        if (bill.status !== 'CLOSED') {
          throw new LedgerRefusal('bill-not-closed', `the bill for ${billingPeriod} is ${bill.status}; only a CLOSED bill can be paid`);
        }
        await ledger.lockInvoice(trx, bill.id);
        await raced(trx, key);
        const sums = (await ledger.billSums([bill.id], trx)).get(bill.id);
        const due = Money.fromMinor(sums ? amountDue(sums) : 0n, currencyOrUnit(bill.currency, units));
        if (due.minor <= 0n) {
          throw new LedgerRefusal('nothing-owed', `nothing is owed on the bill for ${billingPeriod}`);
        }
        return walletPaymentPlan(customerId, bill.id, due, callerKey);
      }));
    },

    /** `amount`: parsed already, or the decimal text of an amount in the payment's currency. */
    async refund(customerId: string, paymentId: string, amount: Money | string | undefined, callerKey: string): Promise<PostOutcome> {
      const key = ledgerKey('refund', customerId, callerKey);
      return withReplayOnRace(key, () => postOnce(key, async (trx) => {
        const payment = await ledger.lockPayment(trx, paymentId);
        if (!payment || payment.customerId !== customerId) {
          throw new LedgerRefusal('unknown-payment', `customer ${customerId} has no payment ${paymentId}`);
        }
        await raced(trx, key);
        const currency = currencyOrUnit(payment.currency ?? '', units);
        const left = BigInt(payment.amountMinor ?? '0') - await ledger.refundedMinor(trx, payment.id);
        const wanted = typeof amount === 'string' ? paymentAmount(amount, currency) : amount ?? Money.fromMinor(left, currency);
        if (wanted.currency.code !== currency.code) {
          throw new LedgerRefusal('refund-currency-mismatch', `amount: payment ${paymentId} was made in ${currency.code}, not ${wanted.currency.code}`);
        }
        if (left <= 0n) throw new LedgerRefusal('refunded-in-full', `payment ${paymentId} is already refunded in full`);
        if (wanted.minor > left) {
          throw new LedgerRefusal(
            'refund-exceeds-payment',
            `a refund of ${toDecimalString(wanted)} ${currency.code} is more than the ${toDecimalString(Money.fromMinor(left, currency))} ${currency.code} left to refund on payment ${paymentId}`,
          );
        }
        const debited = payment.postings.find((posting) => posting.direction === 'DEBIT');
        const credited = payment.postings.find((posting) => posting.direction === 'CREDIT');
        const accounts = await ledger.accountsById([debited?.accountId ?? '', credited?.accountId ?? ''], trx);
        const source = accounts.get(debited?.accountId ?? '');
        const target = accounts.get(credited?.accountId ?? '');
        if (!source || !target) throw new Error(`payment ${paymentId} does not have one debit and one credit`);
        return refundPlan({
          id: payment.id, customerId, billId: payment.billId ?? undefined, source: accountRef(source), target: accountRef(target),
        }, wanted, callerKey);
      }));
    },
  };
}

class RacedReplay extends Error {}

/** An amount given without its currency, read in the payment's: positive and exact, or refused. */
function paymentAmount(text: string, currency: Currency): Money {
  try {
    return parseMoney(text, currency, { positive: true });
  } catch (error) {
    if (!isMoneyError(error)) throw error;
    throw new LedgerRefusal('invalid-amount', `amount: ${error.message}`, { cause: error });
  }
}
