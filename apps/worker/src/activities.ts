// The bill workflow's side effects, all against the PostgreSQL read model. Built by a factory
// that receives its dependencies, so tests can wrap or replace single activities.
import { invoiceNumber } from '@billing/bills';
import type { Db } from '@billing/db';
import * as bills from './bill-repository.ts';
import type { BillRow, BillTotals, InsertedLineItems, NewLineItem, StoredLineItem } from './bill-repository.ts';

export interface ActivityDependencies {
  db: Db;
}

export function createActivities({ db }: ActivityDependencies) {
  return {
    async recordBillOpened(bill: BillRow): Promise<void> {
      await bills.insertBillIfMissing(db, bill);
    },

    async persistLineItems(args: { billId: string; items: NewLineItem[]; at: string }): Promise<InsertedLineItems> {
      return bills.insertLineItems(db, args.billId, args.items, args.at);
    },

    async findLineItem(args: { billId: string; idempotencyKey: string }): Promise<StoredLineItem | null> {
      return (await bills.findLineItem(db, args.billId, args.idempotencyKey)) ?? null;
    },

    async recordBillClosing(args: { billId: string; at: string }): Promise<void> {
      await bills.setBillStatus(db, args.billId, 'CLOSING', args.at);
    },

    /** Year of `closedAt` in UTC: invoices are numbered in the year they are issued. */
    async assignInvoiceNumber(args: { billId: string; closedAt: string }): Promise<string> {
      const year = new Date(args.closedAt).getUTCFullYear();
      return bills.assignInvoiceNumber(db, args.billId, year, invoiceNumber);
    },

    /** Marks the bill CLOSED and returns the totals it was closed with. */
    async finalizeBill(args: { billId: string; closedAt: string }): Promise<BillTotals> {
      return bills.closeBill(db, args.billId, args.closedAt);
    },

    async recordBillFailed(args: { billId: string; reason: string; at: string }): Promise<void> {
      await bills.failBill(db, args.billId, args.reason, args.at);
    },
  };
}

export type BillActivities = ReturnType<typeof createActivities>;
