// What each ledger operation posts: an operation becomes an entry plan (type, key,
// references and balanced postings). Everything here is decided from the request alone; the
// operations that depend on stored state (paying a bill, refunding a payment) are given what
// they read. All amounts are @billing/money values.
import type { Money } from '@billing/money';
import type { AccountRef, Side } from './accounts.ts';

export type EntryType = 'INVOICE' | 'PAYMENT' | 'TOPUP' | 'WITHDRAWAL' | 'TRANSFER' | 'REFUND' | 'ADJUSTMENT' | 'CREDIT_NOTE' | 'CREDIT_NOTE_VOID';

export interface PlannedPosting {
  account: AccountRef;
  direction: Side;
  amount: Money;
}

export interface EntryPlan {
  type: EntryType;
  /** The ledger-wide key: the operation, its customer and the caller's key (see `ledgerKey`). */
  idempotencyKey: string;
  customerId: string;
  /** The other customer of a transfer, who sees it among their entries too. */
  counterpartyId?: string;
  reference?: string;
  billId?: string;
  refundOf?: string;
  /** The headline amount: what moved. */
  amount: Money;
  postings: PlannedPosting[];
}

/**
 * Callers' idempotency keys are theirs: the same key used by two customers, or for a top-up and
 * a withdrawal, names two different entries. The stored key therefore carries the operation and
 * the customer: `topup:cus-42:<key>`.
 */
export function ledgerKey(operation: string, customerId: string, callerKey: string): string {
  return `${operation}:${customerId}:${callerKey}`;
}

function move(from: AccountRef, to: AccountRef, amount: Money): PlannedPosting[] {
  return [{ account: from, direction: 'DEBIT', amount }, { account: to, direction: 'CREDIT', amount }];
}

const wallet = (customerId: string, currency: string): AccountRef => ({ kind: 'wallet', customerId, currency });
const receivable = (customerId: string, currency: string): AccountRef => ({ kind: 'receivable', customerId, currency });
const system = (kind: 'revenue' | 'cash', currency: string): AccountRef => ({ kind, currency });

/** Money in: the platform's cash grows and so does what it owes the customer. */
export function topUpPlan(customerId: string, amount: Money, callerKey: string): EntryPlan {
  const currency = amount.currency.code;
  return {
    type: 'TOPUP', idempotencyKey: ledgerKey('topup', customerId, callerKey), customerId, amount,
    postings: move(system('cash', currency), wallet(customerId, currency), amount),
  };
}

export function withdrawalPlan(customerId: string, amount: Money, callerKey: string): EntryPlan {
  const currency = amount.currency.code;
  return {
    type: 'WITHDRAWAL', idempotencyKey: ledgerKey('withdrawal', customerId, callerKey), customerId, amount,
    postings: move(wallet(customerId, currency), system('cash', currency), amount),
  };
}

export function transferPlan(fromCustomerId: string, toCustomerId: string, amount: Money, callerKey: string): EntryPlan {
  const currency = amount.currency.code;
  return {
    type: 'TRANSFER', idempotencyKey: ledgerKey('transfer', fromCustomerId, callerKey), customerId: fromCustomerId,
    counterpartyId: toCustomerId, reference: toCustomerId, amount,
    postings: move(wallet(fromCustomerId, currency), wallet(toCustomerId, currency), amount),
  };
}

export type AdjustableKind = 'wallet' | 'receivable';

/**
 * A platform correction against revenue. A credit raises a wallet (goodwill credit) or lowers a
 * receivable (write-off); a debit does the reverse. Either way the account's postings say which.
 */
export function adjustmentPlan(
  customerId: string, kind: AdjustableKind, direction: Side, amount: Money, reason: string, callerKey: string,
): EntryPlan {
  const currency = amount.currency.code;
  const account: AccountRef = kind === 'wallet' ? wallet(customerId, currency) : receivable(customerId, currency);
  const revenue = system('revenue', currency);
  return {
    type: 'ADJUSTMENT', idempotencyKey: ledgerKey('adjustment', customerId, callerKey), customerId, reference: reason, amount,
    postings: direction === 'CREDIT' ? move(revenue, account, amount) : move(account, revenue, amount),
  };
}

/** A closed bill's invoice: the customer owes its total, which the platform has earned. */
export function invoicePlan(customerId: string, billId: string, total: Money): EntryPlan {
  const currency = total.currency.code;
  return {
    type: 'INVOICE', idempotencyKey: `invoice:${billId}`, customerId, billId, reference: billId, amount: total,
    postings: move(receivable(customerId, currency), system('revenue', currency), total),
  };
}

/**
 * A mandate collection, booked against the bill the collection was added to: the provider now
 * holds the money (its external account) and the customer owes that much less.
 */
export function collectionPlan(
  customerId: string, billId: string, amount: Money, provider: string, collectionKey: string, paymentReference: string,
): EntryPlan {
  const currency = amount.currency.code;
  return {
    type: 'PAYMENT', idempotencyKey: collectionKey, customerId, billId, reference: paymentReference || collectionKey, amount,
    postings: move({ kind: 'external', currency, provider }, receivable(customerId, currency), amount),
  };
}

/** Pays `due` on a closed bill from the customer's wallet. */
export function walletPaymentPlan(customerId: string, billId: string, due: Money, callerKey: string): EntryPlan {
  const currency = due.currency.code;
  return {
    type: 'PAYMENT', idempotencyKey: ledgerKey('payment', customerId, callerKey), customerId, billId, reference: billId, amount: due,
    postings: move(wallet(customerId, currency), receivable(customerId, currency), due),
  };
}

/** A stored payment, as a refund needs it: its two postings say where the money came from. */
export interface PaymentToRefund {
  id: string;
  customerId: string;
  billId: string | undefined;
  /** The account the payment debited (the wallet, or the provider's external account). */
  source: AccountRef;
  /** The account the payment credited (the customer's receivable). */
  target: AccountRef;
}

/** Gives `amount` of a payment back the way it came; the customer owes that much again. */
export function refundPlan(payment: PaymentToRefund, amount: Money, callerKey: string): EntryPlan {
  return {
    type: 'REFUND', idempotencyKey: ledgerKey('refund', payment.customerId, callerKey), customerId: payment.customerId,
    ...(payment.billId === undefined ? {} : { billId: payment.billId }),
    refundOf: payment.id, reference: payment.id, amount,
    postings: move(payment.target, payment.source, amount),
  };
}
