// The ledger's business refusals, as what happened rather than as a transport code: bill-service
// throws them from inside its transactions and its ledger error mapper decides what a caller is
// told (a gRPC code); a batch of operations answers each refused operation with the same mapping.
import { toDecimalString } from '@billing/money';
import type { EntryPlan } from './plans.ts';

export type LedgerRefusalReason =
  /** The customer has no bill for the period named. */
  | 'unknown-bill'
  /** Only a CLOSED bill can be paid. */
  | 'bill-not-closed'
  /**
   * The bill is CLOSING: it will be CLOSED (and payable) once its invoice is booked, in a moment
   * or once the ledger is back. A matter of timing, not a decision about the payment.
   */
  | 'bill-closing'
  /** The bill owes nothing (paid already, or closed at zero). */
  | 'nothing-owed'
  /** The customer has no payment with that id. */
  | 'unknown-payment'
  /** An amount that is not a positive, exact amount of the currency it must be in. */
  | 'invalid-amount'
  /** A refund asked in another currency than its payment's. */
  | 'refund-currency-mismatch'
  /** Nothing is left of the payment to refund. */
  | 'refunded-in-full'
  /** A refund of more than is left of the payment. */
  | 'refund-exceeds-payment'
  /** The entry would take a wallet below zero. */
  | 'insufficient-funds';

/** A ledger operation refused for a business reason; its message is safe to show the caller. */
export class LedgerRefusal extends Error {
  override readonly name = 'LedgerRefusal';

  readonly reason: LedgerRefusalReason;

  constructor(reason: LedgerRefusalReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export function isLedgerRefusal(error: unknown): error is LedgerRefusal {
  return error instanceof LedgerRefusal;
}

/** The refusal of a plan that would take a wallet below zero, naming the wallet it debits. */
export function insufficientFunds(plan: EntryPlan, cause?: unknown): LedgerRefusal {
  const debited = plan.postings.find((posting) => posting.direction === 'DEBIT' && posting.account.kind === 'wallet');
  const owner = debited && 'customerId' in debited.account ? debited.account.customerId : plan.customerId;
  return new LedgerRefusal(
    'insufficient-funds',
    `insufficient funds: the ${plan.amount.currency.code} wallet of customer ${owner} holds less than ${toDecimalString(plan.amount)}`,
    { cause },
  );
}
