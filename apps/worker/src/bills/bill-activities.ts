// The bill workflow's side effects: the PostgreSQL read model, and the ledger its invoice is
// posted to. Built by a factory that receives its dependencies, so tests can wrap or replace
// single activities.
import { BILL_FAILURE_TYPES, invoiceNumber, moneyView } from '@billing/bills';
import type { Db } from '@billing/db';
import { ApplicationFailure } from '@temporalio/common';
import { billMetrics } from './bill-metrics.ts';
import { DEFAULT_SELLER, invoiceDocuments } from './invoice-documents.ts';
import type { SellerIdentity } from '@billing/documents';
import * as bills from './bill-repository.ts';
import type { BillRow, BillTotals, InsertedLineItems, NewLineItem, StoredLineItem } from './bill-repository.ts';
import type { LedgerPostingPort } from '../ledger/ledger-posting.ts';
import type { ExchangeRatePort } from './exchange-rates.ts';

export interface ActivityDependencies {
  db: Db;
  ledger: LedgerPostingPort;
  /** Rates for usage priced in another currency than its bill's (production: the rates service). */
  exchangeRates?: ExchangeRatePort;
  /** The seller on the invoice documents made at close; the development placeholder when not given. */
  seller?: SellerIdentity;
}

/** Statuses in which a bill's total is locked: no item can be added any more. */
const TOTAL_LOCKED = new Set(['CLOSING', 'CLOSED']);

/**
 * The bill workflow's activities. `replaced` swaps single steps (tests make one slow or failing);
 * `closeBill` runs the close's steps as they are after that, so a replaced step acts in it too.
 */
export function createActivities(dependencies: ActivityDependencies, replaced: Partial<BillSteps> = {}) {
  const steps: BillSteps = { ...billSteps(dependencies), ...replaced };
  return { ...steps, closeBill: closeInOneActivity(steps) };
}

function billSteps({ db, ledger, exchangeRates, seller = DEFAULT_SELLER }: ActivityDependencies) {
  const counted = billMetrics();
  return {
    async recordBillOpened(bill: BillRow): Promise<void> {
      // Counted by whoever writes the row: bill-service for the bills it starts, this for the others.
      if (await bills.insertBillIfMissing(db, bill)) counted.billsOpened.inc();
    },

    /** Retried until stored, except when the database refuses the batch for good (see refusedForGood). */
    async persistLineItems(args: { billId: string; items: NewLineItem[]; at: string }): Promise<InsertedLineItems> {
      try {
        const stored = await bills.insertLineItems(db, args.billId, args.items, args.at);
        counted.itemsAdded.inc(stored.insertedKeys.length);
        return stored;
      } catch (error) {
        throw refusedForGood(error) ?? error;
      }
    },

    async findLineItem(args: { billId: string; idempotencyKey: string }): Promise<StoredLineItem | null> {
      return (await bills.findLineItem(db, args.billId, args.idempotencyKey)) ?? null;
    },

    async recordBillClosing(args: { billId: string; at: string }): Promise<void> {
      await bills.setBillStatus(db, args.billId, 'CLOSING', args.at, exchangeRates);
    },

    /** Year of `closedAt` in UTC: invoices are numbered in the year they are issued. */
    async assignInvoiceNumber(args: { billId: string; closedAt: string }): Promise<string> {
      const year = new Date(args.closedAt).getUTCFullYear();
      const number = await bills.assignInvoiceNumber(db, args.billId, year, invoiceNumber);
      counted.invoicesIssued.inc();
      return number;
    },

    /**
     * Posts the bill's INVOICE (its receivable <- revenue) for the total stored in PostgreSQL;
     * the entry id, or null for a bill that closes at zero and owes nothing. Idempotent on the
     * bill id in the ledger, so a retry after a lost answer returns the first entry.
     */
    async postInvoice(args: { billId: string }): Promise<{ entryId: string | null }> {
      const bill = await bills.lockedTotal(db, args.billId);
      if (!TOTAL_LOCKED.has(bill.status)) {
        // Only a defect gets here (closing records CLOSING first); invoicing a total that can still grow would be wrong.
        throw ApplicationFailure.nonRetryable(`bill ${args.billId} is ${bill.status}; its total is not locked yet`, BILL_FAILURE_TYPES.internal);
      }
      const posted = await ledger.postInvoice({
        customerId: bill.customerId, billId: args.billId, total: moneyView(bill.totalMinor, bill.currency),
      });
      return { entryId: posted?.entryId ?? null };
    },

    /**
     * Renders the bill's invoice documents and, in one transaction, stores them and marks the bill
     * CLOSED, so no reader sees a CLOSED bill without its documents; returns the totals it was
     * closed with. A retry after the commit changes nothing (the bill is CLOSED already).
     */
    async finalizeBill(args: { billId: string; closedAt: string }): Promise<BillTotals> {
      const totals = await bills.closeBill(db, args.billId, args.closedAt, (input) => invoiceDocuments(input, seller));
      counted.billsClosed.inc();
      return totals;
    },

    /** Also answers the invoice number the bill got, if any: a close that failed in one activity never returned it. */
    async recordBillFailed(args: { billId: string; reason: string; at: string }): Promise<{ invoiceNumber: string | null }> {
      const failed = await bills.failBill(db, args.billId, args.reason, args.at);
      counted.billsFailed.inc();
      return failed;
    },
  };
}

export type BillSteps = ReturnType<typeof billSteps>;
export type BillActivities = ReturnType<typeof createActivities>;

/** What `closeBill` answers: the number the invoice got and the totals the bill closed with. */
export interface ClosedBill {
  invoiceNumber: string;
  totals: BillTotals;
}

/**
 * The whole close in one activity, each step in the order the workflow used to run them as
 * separate activities: the bill's row if its starter never wrote it, CLOSING (which locks the
 * total and writes the usage lines), the invoice number, the INVOICE in the ledger, then the
 * documents and CLOSED in one transaction. One activity costs two workflow tasks and one activity
 * task where five cost six and five. Every step is idempotent (docs/bills.md, "Closing"), so a
 * retry after any of them resumes where the last attempt stopped and repeats nothing.
 */
function closeInOneActivity(steps: BillSteps) {
  return async function closeBill(args: { billId: string; closedAt: string; opened?: BillRow }): Promise<ClosedBill> {
    if (args.opened) await steps.recordBillOpened(args.opened);
    await steps.recordBillClosing({ billId: args.billId, at: args.closedAt });
    const invoiceNumber = await steps.assignInvoiceNumber({ billId: args.billId, closedAt: args.closedAt });
    await steps.postInvoice({ billId: args.billId });
    const totals = await steps.finalizeBill({ billId: args.billId, closedAt: args.closedAt });
    return { invoiceNumber, totals };
  };
}

// SQLSTATE classes whose errors no retry can cure: the data itself breaks a rule of the schema.
const DATA_EXCEPTION = '22';
const INTEGRITY_VIOLATION = '23';
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * A non-retryable failure, with a type the workflow passes on to the item's caller and a message
 * safe to show them, for a write that can never succeed; undefined for anything worth retrying
 * (a connection lost, a lock timeout, a database that is down). A unique violation stays
 * retryable: the write is idempotent on its keys, so one can only come from a race a retry settles.
 */
function refusedForGood(error: unknown): ApplicationFailure | undefined {
  if (error instanceof bills.BillNotOpenError) {
    return ApplicationFailure.nonRetryable(error.message, BILL_FAILURE_TYPES.failedPrecondition);
  }
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (typeof code !== 'string' || code === UNIQUE_VIOLATION) return undefined;
  if (!code.startsWith(DATA_EXCEPTION) && !code.startsWith(INTEGRITY_VIOLATION)) return undefined;
  const message = code === FOREIGN_KEY_VIOLATION && typeof constraint === 'string' && constraint.includes('rate_id')
    ? 'exchangeRate.rateId: no stored exchange rate has this id'
    : 'the line item breaks a rule of the stored bill';
  return ApplicationFailure.create({ type: BILL_FAILURE_TYPES.invalidArgument, message, nonRetryable: true, cause: error as Error });
}
