import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { Client } from '@temporalio/client';
import {
  AddLineItemResponseSchema, BillStatus, CloseBillResponseSchema, CreateBillResponseSchema, GetBillResponseSchema,
  ListBillsResponseSchema, ListLineItemsResponseSchema, type BillService,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { requestIdOf } from '@billing/grpc-kit';
import type { Client as ConnectClient } from '@connectrpc/connect';
import type { RatesService } from '@billing/contracts';
import { exchangeRates } from './exchange-rates.ts';
import { billMessage, lineItemMessage } from './bill-view.ts';
import { billsRepository, type BillRow } from './bills-repository.ts';
import { decodeCursor, encodeCursor, pageLimit } from './cursor.ts';
import type { BillServiceEnv } from './env.ts';
import { billWorkflows } from './bill-workflows.ts';
import { checkBillKey, checkNewBill, checkLineItem, checkListFilter } from './validation.ts';

export interface BillServiceDeps {
  db: Db;
  temporal: Client;
  env: BillServiceEnv;
  logger: Logger;
  ratesClient: ConnectClient<typeof RatesService>;
  now?: () => Date;
}

const STATUS_NAMES: Partial<Record<BillStatus, BillRow['status']>> = {
  [BillStatus.OPEN]: 'OPEN',
  [BillStatus.CLOSING]: 'CLOSING',
  [BillStatus.CLOSED]: 'CLOSED',
  [BillStatus.FAILED]: 'FAILED',
};

/**
 * billing.v1.BillService. Temporal is the source of truth for a live bill (creation starts its
 * workflow, writes are Updates to it); every read comes from the PostgreSQL read model, which
 * the workflow's activities have written before an Update returns.
 */
export function createBillService(deps: BillServiceDeps): ServiceImpl<typeof BillService> {
  const bills = billsRepository(deps.db);
  const workflows = billWorkflows(deps.temporal, deps.env, deps.logger);
  const rates = exchangeRates(deps.db, deps.ratesClient);
  const now = deps.now ?? (() => new Date());

  async function requireBill(customerId: string, billingPeriod: string): Promise<BillRow> {
    const row = await bills.find(customerId, billingPeriod);
    if (!row) throw new ConnectError(`no bill for customer ${customerId} in ${billingPeriod}`, Code.NotFound);
    return row;
  }

  async function fullBill(row: BillRow) {
    return billMessage(row, await bills.items(row.id, 0, Number.MAX_SAFE_INTEGER));
  }

  return {
    createBill: async (request) => {
      const bill = checkNewBill(request, now());
      // A bill that ever existed keeps its key, even after its workflow has left Temporal's retention.
      if (await bills.find(bill.customerId, bill.billingPeriod)) {
        throw new ConnectError(`a bill for ${bill.customerId} in ${bill.billingPeriod} already exists`, Code.AlreadyExists);
      }
      const id = `bill_${randomUUID().replaceAll('-', '')}`;
      const createdAt = now();
      const workflowId = await workflows.start({ ...bill, billId: id, createdAt: createdAt.toISOString() });
      // The workflow writes the same row; inserting it here too makes a 201 mean "readable now".
      await bills.insertOpen({
        id, customer_id: bill.customerId, billing_period: bill.billingPeriod, currency: bill.currency,
        time_zone: bill.timeZone, status: 'OPEN', period_start: bill.periodStart, period_end: bill.periodEnd,
        workflow_id: workflowId, created_at: createdAt,
      });
      return create(CreateBillResponseSchema, { bill: await fullBill(await requireBill(bill.customerId, bill.billingPeriod)) });
    },

    getBill: async (request) => {
      const key = checkBillKey(request);
      return create(GetBillResponseSchema, { bill: await fullBill(await requireBill(key.customerId, key.billingPeriod)) });
    },

    addLineItem: async (request, context) => {
      const key = checkBillKey(request);
      const row = await requireBill(key.customerId, key.billingPeriod);
      if (row.status !== 'OPEN') {
        throw new ConnectError(`the bill is ${row.status} and accepts no more items`, Code.FailedPrecondition);
      }
      const billCurrency = row.currency.trim();
      const checked = checkLineItem(request, billCurrency);
      // A foreign-currency item is converted now, at a rate recorded before it is used; if the
      // rates service cannot answer, nothing is written and the caller gets `unavailable`.
      const item = checked.currency !== undefined && checked.currency !== billCurrency
        ? { ...checked, exchangeRate: await rates.rateFor(checked.currency, billCurrency, requestIdOf(context)) }
        : checked;
      const result = await workflows.addLineItem(key, item);
      const after = await requireBill(key.customerId, key.billingPeriod);
      const stored = await bills.itemByKey(after.id, item.idempotencyKey);
      if (!stored) throw new Error(`item ${result.item.id} was acknowledged but is not in the read model`);
      return create(AddLineItemResponseSchema, {
        bill: billMessage(after, [stored]),
        item: lineItemMessage(stored, after.currency.trim()),
      });
    },

    listLineItems: async (request) => {
      const key = checkBillKey(request);
      const limit = pageLimit(request.limit);
      const after = decodeCursor(request.cursor);
      const afterSeq = after === undefined ? 0 : Number.parseInt(after, 10);
      if (!Number.isSafeInteger(afterSeq)) throw new ConnectError('cursor: malformed', Code.InvalidArgument);
      const row = await requireBill(key.customerId, key.billingPeriod);
      const items = await bills.items(row.id, afterSeq, limit + 1);
      const page = items.slice(0, limit);
      const last = page.at(-1);
      return create(ListLineItemsResponseSchema, {
        items: page.map((item) => lineItemMessage(item, row.currency.trim())),
        nextCursor: items.length > limit && last ? encodeCursor(String(last.seq)) : undefined,
      });
    },

    closeBill: async (request) => {
      const key = checkBillKey(request);
      const row = await requireBill(key.customerId, key.billingPeriod);
      // Closing a closed (or failed) bill is answered with the bill as it is: nothing changes.
      if (row.status === 'OPEN' || row.status === 'CLOSING') await workflows.close(key);
      return create(CloseBillResponseSchema, { bill: await fullBill(await requireBill(key.customerId, key.billingPeriod)) });
    },

    listBills: async (request) => {
      const filter = checkListFilter(request);
      const limit = pageLimit(request.limit);
      const rows = await bills.list({
        customerId: filter.customerId,
        status: STATUS_NAMES[request.status],
        from: filter.from,
        to: filter.to,
        beforePeriod: decodeCursor(request.cursor),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return create(ListBillsResponseSchema, {
        bills: page.map((row) => billMessage(row)),
        nextCursor: rows.length > limit && last ? encodeCursor(last.billing_period) : undefined,
      });
    },
  };
}
