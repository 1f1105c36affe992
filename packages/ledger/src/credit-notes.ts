// The rules of credit notes that need no I/O (docs/invoices.md, "Credit notes"): how much of a
// closed bill is still creditable, per line and in total; how a credit splits into the part that
// lowers what the bill owes and the part its settlement gives back; which payments a refund
// settlement draws on; and what each step posts. All amounts are minor units of the bill's
// currency, as bigints.
import type { Money } from '@billing/money';
import type { AccountRef } from './accounts.ts';
import type { EntryPlan, PlannedPosting } from './plans.ts';

export type CreditNoteSettlement = 'refund' | 'wallet' | 'outOfBand';

export type CreditNoteRefusalReason =
  /** The customer has no bill for the period, or no credit note of that id on it. */
  | 'unknown-bill'
  | 'unknown-credit-note'
  /** A line names an item the bill does not have. */
  | 'unknown-item'
  /** Only a CLOSED bill's invoice can be credited. */
  | 'bill-not-closed'
  /** The bill is CLOSING; it can be credited once CLOSED (a matter of timing). */
  | 'bill-closing'
  /** A line asks more than is left of its item, or the note more than is left of the bill. */
  | 'credit-exceeds-line'
  | 'credit-exceeds-bill'
  /** A credit note's settlement already gave money back: it can no longer be voided. */
  | 'credit-note-settled'
  /** A malformed request found only once the bill is read (an amount of too many decimals). */
  | 'invalid-credit';

export class CreditNoteRefusal extends Error {
  override readonly name = 'CreditNoteRefusal';

  readonly reason: CreditNoteRefusalReason;

  constructor(reason: CreditNoteRefusalReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export function isCreditNoteRefusal(error: unknown): error is CreditNoteRefusal {
  return error instanceof CreditNoteRefusal;
}

/** A line of the bill as a credit note sees it: its amount in the bill currency and what issued notes took of it. */
export interface CreditableItem {
  itemId: string;
  description: string;
  amountMinor: bigint;
  creditedMinor: bigint;
}

export type CreditRequest =
  | { lines: Array<{ itemId: string; amountMinor?: bigint }> }
  | { amountMinor: bigint };

export interface CreditLine {
  itemId: string | null;
  description: string;
  amountMinor: bigint;
}

/**
 * The lines of a credit note, checked against what is left: each line at most what is left of
 * its item (its amount less what issued credit notes took of it), the note at most what is left
 * of the bill (its total less every issued credit note, per line or as a whole). A line without
 * an amount takes all that is left of its item. `format` writes a minor amount for a message.
 */
export function creditLines(request: CreditRequest, items: readonly CreditableItem[], bill: {
  totalMinor: bigint; creditedMinor: bigint; wholeBillDescription: string; format: (minor: bigint) => string;
}): { lines: CreditLine[]; totalMinor: bigint } {
  const { format } = bill;
  let lines: CreditLine[];
  if ('amountMinor' in request) {
    lines = [{ itemId: null, description: bill.wholeBillDescription, amountMinor: request.amountMinor }];
  } else {
    const byId = new Map(items.map((item) => [item.itemId, item]));
    const asked = new Map<string, bigint>();
    lines = request.lines.map((line) => {
      const item = byId.get(line.itemId);
      if (!item) throw new CreditNoteRefusal('unknown-item', `lines: the bill has no item ${line.itemId}`);
      const left = item.amountMinor - item.creditedMinor - (asked.get(line.itemId) ?? 0n);
      const amountMinor = line.amountMinor ?? left;
      if (amountMinor <= 0n || amountMinor > left) {
        throw new CreditNoteRefusal('credit-exceeds-line', left <= 0n
          ? `lines: item ${line.itemId} has nothing left to credit`
          : `lines: a credit of ${format(amountMinor)} is more than the ${format(left)} left to credit on item ${line.itemId}`);
      }
      asked.set(line.itemId, (asked.get(line.itemId) ?? 0n) + amountMinor);
      return { itemId: item.itemId, description: item.description, amountMinor };
    });
  }
  const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0n);
  const left = bill.totalMinor - bill.creditedMinor;
  if (totalMinor > left) {
    throw new CreditNoteRefusal('credit-exceeds-bill', left <= 0n
      ? 'the bill has nothing left to credit'
      : `a credit of ${format(totalMinor)} is more than the ${format(left)} left to credit on the bill`);
  }
  return { lines, totalMinor };
}

/**
 * The part of a credit that lowers what the bill still owes (never below zero) and the part that
 * is then owed back to the customer, which the settlement gives back.
 */
export function splitCredit(totalMinor: bigint, amountDueMinor: bigint): { appliedMinor: bigint; settledMinor: bigint } {
  const due = amountDueMinor > 0n ? amountDueMinor : 0n;
  const appliedMinor = totalMinor < due ? totalMinor : due;
  return { appliedMinor, settledMinor: totalMinor - appliedMinor };
}

/** A payment of the bill with what is left of it to refund. */
export interface RefundablePayment {
  id: string;
  leftMinor: bigint;
}

/**
 * Which payments a refund settlement of `settledMinor` draws on: in the order given (the order
 * they were paid), each up to what is left of it. What the payments hold always covers the
 * settled part of a credit (docs/invoices.md), so falling short is a broken invariant.
 */
export function refundAllocation(settledMinor: bigint, payments: readonly RefundablePayment[]): Array<{ paymentId: string; amountMinor: bigint }> {
  const drawn: Array<{ paymentId: string; amountMinor: bigint }> = [];
  let rest = settledMinor;
  for (const payment of payments) {
    if (rest === 0n) break;
    if (payment.leftMinor <= 0n) continue;
    const amountMinor = payment.leftMinor < rest ? payment.leftMinor : rest;
    drawn.push({ paymentId: payment.id, amountMinor });
    rest -= amountMinor;
  }
  if (rest > 0n) throw new Error(`the bill's payments hold ${rest} less than the credit note's settled part`);
  return drawn;
}

function move(from: AccountRef, to: AccountRef, amount: Money): PlannedPosting[] {
  return [{ account: from, direction: 'DEBIT', amount }, { account: to, direction: 'CREDIT', amount }];
}

const receivable = (customerId: string, currency: string): AccountRef => ({ kind: 'receivable', customerId, currency });
const contraRevenue = (currency: string): AccountRef => ({ kind: 'contrarevenue', currency });

/** The provider name of the external account out-of-band settlements go to. */
export const OUT_OF_BAND_PROVIDER = 'outofband';

export interface CreditNoteRef {
  id: string;
  number: string;
  customerId: string;
  billId: string;
}

/** The credit note itself: revenue is taken back (contra-revenue) and the customer owes that much less. */
export function creditNotePlan(note: CreditNoteRef, amount: Money): EntryPlan {
  return {
    type: 'CREDIT_NOTE', idempotencyKey: `credit-note:${note.id}`, customerId: note.customerId, billId: note.billId,
    reference: note.number, amount, postings: move(contraRevenue(amount.currency.code), receivable(note.customerId, amount.currency.code), amount),
  };
}

/** A void: the exact reversal of the credit note's entry. */
export function creditNoteVoidPlan(note: CreditNoteRef, amount: Money): EntryPlan {
  return {
    type: 'CREDIT_NOTE_VOID', idempotencyKey: `credit-note-void:${note.id}`, customerId: note.customerId, billId: note.billId,
    reference: note.number, amount, postings: move(receivable(note.customerId, amount.currency.code), contraRevenue(amount.currency.code), amount),
  };
}

/**
 * The settlement of the part of a credit the customer had already paid, as REFUND entries on the
 * bill (so the bill's amount due counts them as every refund): `refund` gives it back the way
 * each drawn payment came (a REFUND of that payment, `source` the account the payment debited);
 * `wallet` puts it in the customer's wallet; `outOfBand` records that it went back outside the
 * platform (the out-of-band external account).
 */
export function creditSettlementPlans(note: CreditNoteRef, settlement: CreditNoteSettlement, drawn: ReadonlyArray<{
  paymentId?: string; source?: AccountRef; amount: Money;
}>): EntryPlan[] {
  return drawn.map((part, index) => {
    const currency = part.amount.currency.code;
    const target: AccountRef = settlement === 'wallet'
      ? { kind: 'wallet', customerId: note.customerId, currency }
      : settlement === 'outOfBand'
        ? { kind: 'external', currency, provider: OUT_OF_BAND_PROVIDER }
        : part.source ?? (() => { throw new Error('a refund settlement needs the source of its payment'); })();
    return {
      type: 'REFUND', idempotencyKey: `credit-note:${note.id}:${settlement}:${index + 1}`, customerId: note.customerId, billId: note.billId,
      ...(settlement === 'refund' && part.paymentId !== undefined ? { refundOf: part.paymentId } : {}),
      reference: note.number, amount: part.amount, postings: move(receivable(note.customerId, currency), target, part.amount),
    };
  });
}

/** The number of the `sequence`th credit note of `year`: CN-2026-000001. */
export function creditNoteNumber(year: number, sequence: number): string {
  return `CN-${year}-${String(sequence).padStart(6, '0')}`;
}
