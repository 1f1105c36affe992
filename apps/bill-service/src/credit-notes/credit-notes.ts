// Issuing and voiding credit notes (docs/invoices.md, "Credit notes"). Each runs in one
// transaction that first locks the bill's INVOICE entry, the lock wallet payments of the bill take
// too, so credit notes and payments of one bill take turns and each sees what the previous one
// did: never more is credited than is left, per line and in total, and the split between what
// lowers the amount due and what is given back is judged against the amount due as committed.
// In that same transaction the note takes the next number of its year (the counter row stays
// locked until commit, so numbers commit in order and a rollback gives its number back), posts
// its ledger entries, stores its documents and records its event.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { billSums, recordEvents, retryOnConflict, type Db } from '@billing/db';
import {
  CreditNoteRefusal, amountDue, creditLines, creditNoteNumber, creditNotePlan, creditNoteVoidPlan, creditSettlementPlans, refundAllocation,
  splitCredit, type AccountRef, type CreditNoteRef, type CreditNoteSettlement, type CreditRequest, type EntryPlan,
} from '@billing/ledger';
import { Money, currencyOrUnit, parseMoney, toDecimalString, type UnitRegistry } from '@billing/money';
import {
  TEMPLATE_VERSION, renderCreditNoteDocuments, type CustomerProfile, type SellerIdentity,
} from '@billing/documents';
import { creditNoteDocumentPath, type DocumentFormat } from '@billing/resources';
import type { LedgerRepository } from '../ledger/ledger-repository.ts';
import { accountRef } from '../ledger/payments.ts';
import { countPosted } from '../ledger/ledger-writer.ts';

export interface CreditNoteRow {
  id: string;
  number: string;
  year: number;
  sequence: number;
  bill_id: string;
  customer_id: string;
  idempotency_key: string;
  status: 'ISSUED' | 'VOID';
  reason: string;
  settlement: CreditNoteSettlement;
  currency: string;
  amount_minor: string;
  applied_minor: string;
  settled_minor: string;
  entry_ids: string[];
  void_entry_id: string | null;
  issued_at: Date;
  voided_at: Date | null;
}

export interface StoredCreditNote extends CreditNoteRow {
  billing_period: string;
  invoice_number: string;
  lines: Array<{ line_item_id: string | null; description: string; amount_minor: string }>;
  documents: Array<{ format: DocumentFormat; content_type: string; sha256: string; size: number }>;
}

export interface StoredCreditNoteDocument {
  creditNoteNumber: string;
  invoiceNumber: string;
  billId: string;
  version: number;
  contentType: string;
  sha256: string;
  bytes: Buffer;
}

export interface IssueRequest {
  customerId: string;
  billingPeriod: string;
  reason: string;
  /** Line amounts or the whole-bill amount, as decimal strings of the bill's currency. */
  credit: { lines: Array<{ itemId: string; amount?: string }> } | { amount: string };
  settlement: CreditNoteSettlement;
  /** Currencies the request named with its amounts; each must be the bill's. */
  currencies?: readonly string[];
  key: string;
}

class RacedReplay extends Error {}

const newCreditNoteId = () => `cn_${randomUUID().replaceAll('-', '')}`;

interface BillRow {
  id: string;
  customer_id: string;
  billing_period: string;
  currency: string;
  time_zone: string;
  status: string;
  period_start: Date;
  period_end: Date;
  invoice_number: string | null;
  closed_at: Date | null;
  total_minor: string;
}

export function creditNotes(deps: { db: Db; ledger: LedgerRepository; units: UnitRegistry; seller: SellerIdentity; now?: () => Date }) {
  const { db, ledger, units, seller } = deps;
  const now = deps.now ?? (() => new Date());

  async function load(rows: readonly CreditNoteRow[], trx: Knex = db): Promise<StoredCreditNote[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const bills = new Map((await trx('bills').whereIn('id', [...new Set(rows.map((row) => row.bill_id))])
      .select('id', 'billing_period', 'invoice_number') as Array<{ id: string; billing_period: string; invoice_number: string }>).map((bill) => [bill.id, bill]));
    const lines = Map.groupBy(await trx('credit_note_lines').whereIn('credit_note_id', ids).orderBy(['credit_note_id', 'position']) as
      Array<{ credit_note_id: string; line_item_id: string | null; description: string; amount_minor: string }>, (line) => line.credit_note_id);
    const documents = Map.groupBy(await trx('credit_note_documents').whereIn('credit_note_id', ids)
      .select('credit_note_id', 'version', 'format', 'content_type', 'sha256', trx.raw('octet_length(bytes) AS size'))
      .orderBy(['credit_note_id', { column: 'version', order: 'desc' }, 'format']) as
      Array<{ credit_note_id: string; version: number; format: DocumentFormat; content_type: string; sha256: string; size: number }>, (doc) => doc.credit_note_id);
    return rows.map((row) => {
      const docs = documents.get(row.id) ?? [];
      const latest = docs[0]?.version;
      return {
        ...row,
        billing_period: bills.get(row.bill_id)?.billing_period ?? '',
        invoice_number: bills.get(row.bill_id)?.invoice_number ?? '',
        lines: lines.get(row.id) ?? [],
        documents: docs.filter((doc) => doc.version === latest).map((doc) => ({ ...doc, size: Number(doc.size) })),
      };
    });
  }

  async function findByKey(customerId: string, key: string, trx: Knex = db): Promise<StoredCreditNote | undefined> {
    const row = await trx<CreditNoteRow>('credit_notes').where({ customer_id: customerId, idempotency_key: key }).first();
    return row ? (await load([row], trx))[0] : undefined;
  }

  /** The bill, checked to be CLOSED, with its INVOICE entry locked. */
  async function lockedClosedBill(trx: Knex.Transaction, customerId: string, billingPeriod: string): Promise<BillRow> {
    const bill = await trx<BillRow>('bills').where({ customer_id: customerId, billing_period: billingPeriod }).first();
    if (!bill) throw new CreditNoteRefusal('unknown-bill', `customer ${customerId} has no bill for ${billingPeriod}`);
    if (bill.status === 'CLOSING') {
      throw new CreditNoteRefusal('bill-closing', `the bill for ${billingPeriod} is CLOSING; it can be credited once CLOSED, retry shortly`);
    }
    if (bill.status !== 'CLOSED') {
      throw new CreditNoteRefusal('bill-not-closed', `the bill for ${billingPeriod} is ${bill.status}; only a CLOSED bill's invoice can be credited`);
    }
    // A bill that closed at zero has no INVOICE entry, and nothing to credit.
    if (!await ledger.lockInvoice(trx, bill.id)) throw new CreditNoteRefusal('credit-exceeds-bill', 'the bill has nothing left to credit');
    return bill;
  }

  async function customerProfile(trx: Knex, customerId: string): Promise<CustomerProfile | null> {
    const row = await trx('customers').where({ id: customerId }).first() as Record<string, unknown> | undefined;
    if (!row) return null;
    const optional = (value: unknown) => (value === null || value === undefined ? undefined : String(value));
    return {
      id: String(row.id), legalName: String(row.legal_name), email: optional(row.email),
      address: (row.address ?? undefined) as CustomerProfile['address'], taxId: optional(row.tax_id), locale: optional(row.locale),
      electronicAddress: optional(row.electronic_address),
    };
  }

  /** What the settlement gives back, drawn from the bill's payments when it is a refund. */
  async function settlementParts(trx: Knex.Transaction, bill: BillRow, settlement: CreditNoteSettlement, settled: Money) {
    if (settled.minor === 0n) return [];
    if (settlement !== 'refund') return [{ amount: settled }];
    // Payments in the order they were paid, locked as a refund of each locks it (in id order, the
    // refund path's only lock, so no cycle), with what is left of each.
    const payments = await trx('ledger_entries').select('id', 'amount_minor', 'created_at')
      .where({ bill_id: bill.id, type: 'PAYMENT' }).orderBy('id').forNoKeyUpdate() as Array<{ id: string; amount_minor: string; created_at: Date }>;
    payments.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1));
    const refunded = new Map((await trx('ledger_entries').select('refund_of').sum({ total: 'amount_minor' })
      .whereIn('refund_of', payments.map((payment) => payment.id)).groupBy('refund_of') as Array<{ refund_of: string; total: string }>)
      .map((row) => [row.refund_of, BigInt(row.total)]));
    const drawn = refundAllocation(settled.minor, payments.map((payment) => ({
      id: payment.id, leftMinor: BigInt(payment.amount_minor) - (refunded.get(payment.id) ?? 0n),
    })));
    const debits = await trx('ledger_postings').select('entry_id', 'account_id')
      .whereIn('entry_id', drawn.map((part) => part.paymentId)).andWhere({ direction: 'DEBIT' }) as Array<{ entry_id: string; account_id: string }>;
    const accounts = await ledger.accountsById(debits.map((debit) => debit.account_id), trx);
    return drawn.map((part) => {
      const account = accounts.get(debits.find((debit) => debit.entry_id === part.paymentId)?.account_id ?? '');
      if (!account) throw new Error(`payment ${part.paymentId} has no debit posting`);
      const source: AccountRef = accountRef(account);
      return { paymentId: part.paymentId, source, amount: Money.fromMinor(part.amountMinor, settled.currency) };
    });
  }

  async function issueIn(trx: Knex.Transaction, request: IssueRequest): Promise<StoredCreditNote> {
    const bill = await lockedClosedBill(trx, request.customerId, request.billingPeriod);
    if (await findByKey(request.customerId, request.key, trx)) throw new RacedReplay();
    const currency = currencyOrUnit(bill.currency, units);
    const foreign = request.currencies?.find((code) => code !== bill.currency);
    if (foreign !== undefined) throw new CreditNoteRefusal('invalid-credit', `amount: the bill is in ${bill.currency}, not ${foreign}`);
    const minorOf = (text: string, field: string) => {
      try {
        return parseMoney(text, currency, { positive: true }).minor;
      } catch (error) {
        throw new CreditNoteRefusal('invalid-credit', `${field}: ${(error as Error).message}`);
      }
    };
    const credit: CreditRequest = 'amount' in request.credit
      ? { amountMinor: minorOf(request.credit.amount, 'amount') }
      : { lines: request.credit.lines.map((line, index) => ({
        itemId: line.itemId, ...(line.amount === undefined ? {} : { amountMinor: minorOf(line.amount, `lines[${index}].amount`) }),
      })) };
    const items = await trx('line_items').where({ bill_id: bill.id }).orderBy('seq')
      .select('id', 'description', 'amount_minor', 'converted_minor') as Array<{ id: string; description: string; amount_minor: string; converted_minor: string | null }>;
    const creditedPerItem = new Map((await trx('credit_note_lines').join('credit_notes', 'credit_notes.id', 'credit_note_lines.credit_note_id')
      .where({ 'credit_notes.bill_id': bill.id, 'credit_notes.status': 'ISSUED' }).whereNotNull('credit_note_lines.line_item_id')
      .groupBy('credit_note_lines.line_item_id').select('credit_note_lines.line_item_id').sum({ total: 'credit_note_lines.amount_minor' }) as
      Array<{ line_item_id: string; total: string }>).map((row) => [row.line_item_id, BigInt(row.total)]));
    const sums = (await billSums(trx, [bill.id])).get(bill.id);
    const format = (minor: bigint) => `${toDecimalString(Money.fromMinor(minor, currency))} ${currency.code}`;
    const { lines, totalMinor } = creditLines(credit, items.map((item) => ({
      itemId: item.id, description: item.description, amountMinor: BigInt(item.converted_minor ?? item.amount_minor),
      creditedMinor: creditedPerItem.get(item.id) ?? 0n,
    })), { totalMinor: BigInt(bill.total_minor), creditedMinor: sums?.credited ?? 0n, wholeBillDescription: request.reason, format });
    const { appliedMinor, settledMinor } = splitCredit(totalMinor, sums ? amountDue(sums) : 0n);
    const parts = await settlementParts(trx, bill, request.settlement, Money.fromMinor(settledMinor, currency));

    // Everything is decided: take the number last, so the counter row is held for the least time.
    const issuedAt = now();
    const year = issuedAt.getUTCFullYear();
    const counter = await trx.raw(`
      INSERT INTO credit_note_counters (year, last_number) VALUES (?, 1)
      ON CONFLICT (year) DO UPDATE SET last_number = credit_note_counters.last_number + 1
      RETURNING last_number`, [year]) as { rows: Array<{ last_number: number }> };
    const sequence = counter.rows[0]?.last_number;
    if (sequence === undefined) throw new Error('credit note counter returned no row');
    const note: CreditNoteRef = { id: newCreditNoteId(), number: creditNoteNumber(year, sequence), customerId: bill.customer_id, billId: bill.id };

    const plans: EntryPlan[] = [
      creditNotePlan(note, Money.fromMinor(totalMinor, currency)),
      ...creditSettlementPlans(note, request.settlement, parts),
    ];
    const entryIds: string[] = [];
    for (const plan of plans) {
      const entry = await ledger.postIn(trx, plan);
      if (!entry) throw new Error(`ledger entry ${plan.idempotencyKey} of a new credit note already existed`);
      countPosted({ entry, replayed: false });
      entryIds.push(entry.id);
    }
    await trx('credit_notes').insert({
      id: note.id, number: note.number, year, sequence, bill_id: bill.id, customer_id: bill.customer_id, idempotency_key: request.key,
      status: 'ISSUED', reason: request.reason, settlement: request.settlement, currency: bill.currency,
      amount_minor: totalMinor.toString(), applied_minor: appliedMinor.toString(), settled_minor: settledMinor.toString(),
      entry_ids: entryIds, issued_at: issuedAt,
    });
    await trx('credit_note_lines').insert(lines.map((line, index) => ({
      credit_note_id: note.id, position: index + 1, line_item_id: line.itemId, description: line.description, amount_minor: line.amountMinor.toString(),
    })));
    const documents = await renderCreditNoteDocuments({
      bill: {
        id: bill.id, customerId: bill.customer_id, billingPeriod: bill.billing_period, currency: bill.currency, timeZone: bill.time_zone,
        periodStart: bill.period_start.toISOString(), periodEnd: bill.period_end.toISOString(), invoiceNumber: bill.invoice_number ?? '',
        closedAt: (bill.closed_at ?? issuedAt).toISOString(), totalMinor: bill.total_minor, lines: [],
      },
      customer: await customerProfile(trx, bill.customer_id),
      seller,
      creditNote: {
        number: note.number, issuedAt: issuedAt.toISOString(), reason: request.reason,
        lines: lines.map((line) => ({ description: line.description, amountMinor: line.amountMinor.toString() })),
        totalMinor: totalMinor.toString(), appliedMinor: appliedMinor.toString(), settledMinor: settledMinor.toString(),
      },
    });
    await trx('credit_note_documents').insert(documents.map((document) => ({
      credit_note_id: note.id, version: 1, format: document.format, content_type: document.contentType, sha256: document.sha256,
      bytes: document.bytes, template_version: TEMPLATE_VERSION,
    })));
    const row = await trx<CreditNoteRow>('credit_notes').where({ id: note.id }).first();
    const [stored] = await load([row as CreditNoteRow], trx);
    await recordEvents(trx, [{ type: 'credit_note.issued', customerId: bill.customer_id, data: creditNoteResource(stored!, units) }]);
    return stored!;
  }

  return {
    async issue(request: IssueRequest): Promise<{ note: StoredCreditNote; replayed: boolean }> {
      const earlier = await findByKey(request.customerId, request.key);
      if (earlier) return { note: earlier, replayed: true };
      try {
        return { note: await retryOnConflict(() => db.transaction((trx) => issueIn(trx, request))), replayed: false };
      } catch (error) {
        if (!(error instanceof RacedReplay)) throw error;
        const first = await findByKey(request.customerId, request.key);
        if (!first) throw new Error(`credit note with key ${request.key} vanished`, { cause: error });
        return { note: first, replayed: true };
      }
    },

    /**
     * Voids an issued credit note whose settlement gave nothing back (it only lowered what the
     * bill owed): the exact reversal of its entry. Voiding a void one answers it as it is.
     */
    async void(customerId: string, billingPeriod: string, creditNoteId: string): Promise<{ note: StoredCreditNote; replayed: boolean }> {
      return retryOnConflict(() => db.transaction(async (trx) => {
        const bill = await lockedClosedBill(trx, customerId, billingPeriod);
        const row = await trx<CreditNoteRow>('credit_notes').where({ id: creditNoteId, bill_id: bill.id }).forUpdate().first();
        if (!row) throw new CreditNoteRefusal('unknown-credit-note', `the bill for ${billingPeriod} has no credit note ${creditNoteId}`);
        if (row.status === 'VOID') return { note: (await load([row], trx))[0]!, replayed: true };
        if (BigInt(row.settled_minor) > 0n) {
          throw new CreditNoteRefusal('credit-note-settled',
            `credit note ${row.number} gave ${toDecimalString(Money.fromMinor(BigInt(row.settled_minor), currencyOrUnit(row.currency, units)))} ${row.currency} back (${row.settlement}); only a credit note that gave nothing back can be voided`);
        }
        const note: CreditNoteRef = { id: row.id, number: row.number, customerId: row.customer_id, billId: row.bill_id };
        const entry = await ledger.postIn(trx, creditNoteVoidPlan(note, Money.fromMinor(BigInt(row.amount_minor), currencyOrUnit(row.currency, units))));
        if (!entry) throw new Error(`credit note ${row.id} has a void entry but is not VOID`);
        countPosted({ entry, replayed: false });
        await trx('credit_notes').where({ id: row.id }).update({ status: 'VOID', voided_at: now(), void_entry_id: entry.id });
        const [stored] = await load([await trx<CreditNoteRow>('credit_notes').where({ id: row.id }).first() as CreditNoteRow], trx);
        await recordEvents(trx, [{ type: 'credit_note.voided', customerId: row.customer_id, data: creditNoteResource(stored!, units) }]);
        return { note: stored!, replayed: false };
      }));
    },

    async get(customerId: string, billingPeriod: string, creditNoteId: string): Promise<StoredCreditNote> {
      const row = await db<CreditNoteRow>('credit_notes').join('bills', 'bills.id', 'credit_notes.bill_id')
        .where({ 'credit_notes.id': creditNoteId, 'bills.customer_id': customerId, 'bills.billing_period': billingPeriod })
        .first('credit_notes.*') as CreditNoteRow | undefined;
      if (!row) throw new CreditNoteRefusal('unknown-credit-note', `the bill for ${billingPeriod} has no credit note ${creditNoteId}`);
      return (await load([row]))[0]!;
    },

    /**
     * The newest version of one form of a credit note's documents, whatever its status: a voided
     * credit note was issued, and its documents stand.
     */
    async document(customerId: string, billingPeriod: string, creditNoteId: string, format: DocumentFormat): Promise<StoredCreditNoteDocument> {
      const note = await db('credit_notes').join('bills', 'bills.id', 'credit_notes.bill_id')
        .where({ 'credit_notes.id': creditNoteId, 'bills.customer_id': customerId, 'bills.billing_period': billingPeriod })
        .first('credit_notes.number', 'credit_notes.bill_id', 'bills.invoice_number') as
        { number: string; bill_id: string; invoice_number: string | null } | undefined;
      if (!note) throw new CreditNoteRefusal('unknown-credit-note', `the bill for ${billingPeriod} has no credit note ${creditNoteId}`);
      const row = await db('credit_note_documents').where({ credit_note_id: creditNoteId, format })
        .orderBy('version', 'desc').first('version', 'content_type', 'sha256', 'bytes') as
        { version: number; content_type: string; sha256: string; bytes: Buffer } | undefined;
      // Every credit note stores its documents in the transaction that issues it.
      if (!row) throw new Error(`credit note ${creditNoteId} has no ${format} document`);
      return {
        creditNoteNumber: note.number, invoiceNumber: note.invoice_number ?? '', billId: note.bill_id,
        version: row.version, contentType: row.content_type, sha256: row.sha256, bytes: row.bytes,
      };
    },

    /** A bill's credit notes in number order, after the position (year, sequence) given. */
    async list(customerId: string, billingPeriod: string, after: { year: number; sequence: number } | undefined, limit: number): Promise<StoredCreditNote[]> {
      const bill = await db('bills').where({ customer_id: customerId, billing_period: billingPeriod }).first('id') as { id: string } | undefined;
      if (!bill) throw new CreditNoteRefusal('unknown-bill', `customer ${customerId} has no bill for ${billingPeriod}`);
      const query = db<CreditNoteRow>('credit_notes').where({ bill_id: bill.id }).orderBy(['year', 'sequence']).limit(limit);
      if (after) void query.whereRaw('(year, sequence) > (?, ?)', [after.year, after.sequence]);
      return load(await query);
    },
  };
}

export type CreditNotes = ReturnType<typeof creditNotes>;

/** A credit note as the REST API shows it: the data of its events, and the gateway's JSON. */
export function creditNoteResource(note: StoredCreditNote, units: UnitRegistry) {
  const money = (minor: string) => ({ amount: toDecimalString(Money.fromMinor(BigInt(minor), currencyOrUnit(note.currency, units))), currency: note.currency });
  return {
    id: note.id,
    number: note.number,
    customerId: note.customer_id,
    billId: note.bill_id,
    billingPeriod: note.billing_period,
    invoiceNumber: note.invoice_number,
    status: note.status,
    reason: note.reason,
    settlement: note.settlement,
    amount: money(note.amount_minor),
    appliedToAmountDue: money(note.applied_minor),
    settled: money(note.settled_minor),
    lines: note.lines.map((line) => ({ itemId: line.line_item_id, description: line.description, amount: money(line.amount_minor) })),
    entryIds: note.entry_ids,
    voidEntryId: note.void_entry_id,
    documents: note.documents.map((doc) => ({
      format: doc.format, contentType: doc.content_type, sha256: doc.sha256, size: doc.size,
      url: creditNoteDocumentPath(note.customer_id, note.billing_period, note.id, doc.format),
    })),
    issuedAt: note.issued_at.toISOString(),
    voidedAt: note.voided_at === null ? null : note.voided_at.toISOString(),
  };
}
