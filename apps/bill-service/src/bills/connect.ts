import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import {
  AddLineItemResponseSchema, CloseBillResponseSchema, CreateBillResponseSchema, GetBillResponseSchema,
  ListBillsResponseSchema, ListLineItemsResponseSchema, type BillService,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import { amountDue } from '@billing/ledger';
import { counter, type Logger } from '@billing/runtime';
import { countPosition, decodeCursor, pageLimit, pageOf, requestIdOf } from '@billing/grpc-kit';
import type { Client as ConnectClient } from '@connectrpc/connect';
import type { RatesService } from '@billing/contracts';
import { exchangeRates } from './exchange-rates.ts';
import { billWorkflowId, parseBillingPeriod, periodBounds, priceLineItem } from '@billing/bills';
import { billMessage, lineItemMessage } from '@billing/resources';
import { billMessageOfRows, billStatusName, lineItemMessageOfRow } from './bill-view.ts';
import { billIdFor, isRetryOf, type CreateRequest } from './bill-creation.ts';
import { billsRepository, type BillRow, type StoredBillRow } from './bills-repository.ts';
import { ledgerRepository } from '../ledger/ledger-repository.ts';
import type { BillServiceEnv } from '../env.ts';
import { billWorkflows } from './bill-workflows.ts';
import { billCurrencyPolicy } from '../bill-currencies.ts';
import { checkBillKey, checkNewBill, checkLineItem, checkListFilter } from './validation.ts';

export interface BillServiceDeps {
  db: Db;
  temporal: Client;
  env: BillServiceEnv;
  logger: Logger;
  ratesClient: ConnectClient<typeof RatesService>;
  now?: () => Date;
}

/**
 * billing.v1.BillService. Temporal is the source of truth for a live bill (creation starts its
 * workflow, writes are Updates to it). An add is answered with what its Update returned; every
 * other answer comes from the PostgreSQL read model, which the workflow's activities have written
 * before an Update returns, so a read after a write sees it.
 */
/**
 * Bills opened: a bill's row is written by the create that starts its workflow, so bill-service
 * counts it (the worker counts those of the first workflow type, which wrote their own rows).
 */
const billsOpenedCounter = () => counter('billing_bills_opened_total', 'Bills opened (their row written, by bill-service or by their workflow).');

export function createBillService(deps: BillServiceDeps): ServiceImpl<typeof BillService> {
  // Registered with the service, so a scrape shows it from zero before the first bill.
  const billsOpened = billsOpenedCounter();
  const bills = billsRepository(deps.db);
  const workflows = billWorkflows(deps.temporal, deps.env, deps.logger);
  const rates = exchangeRates(deps.db, deps.ratesClient);
  const now = deps.now ?? (() => new Date());
  const ledger = ledgerRepository(deps.db);

  /** What the closed bills among `rows` still owe, from their ledger entries. */
  async function amountsDue(rows: readonly BillRow[]): Promise<Map<string, bigint>> {
    const sums = await ledger.billSums(rows.filter((row) => row.status === 'CLOSED').map((row) => row.id));
    return new Map([...sums].map(([billId, billSums]) => [billId, amountDue(billSums)]));
  }
  const currencies = billCurrencyPolicy(deps.env);

  async function requireBill(customerId: string, billingPeriod: string): Promise<BillRow> {
    const row = await bills.find(customerId, billingPeriod);
    if (!row) throw new ConnectError(`no bill for customer ${customerId} in ${billingPeriod}`, Code.NotFound);
    return row;
  }

  // Concurrent adds to one bill (a busy producer has hundreds in flight) share one read of its
  // row. That read only tells a missing bill, a bill no longer OPEN and the bill's currency, which
  // never changes; the workflow's validator still has the last word on OPEN. A read joined after it
  // began may predate a create that committed since, so a joined refusal is read again.
  const billReadsForAdds = new Map<string, Promise<BillRow>>();
  function requireBillForAdd(customerId: string, billingPeriod: string): Promise<BillRow> {
    const key = `${customerId}\u0000${billingPeriod}`;
    const pending = billReadsForAdds.get(key);
    if (pending) return pending.catch(() => requireBill(customerId, billingPeriod));
    const read = requireBill(customerId, billingPeriod).finally(() => billReadsForAdds.delete(key));
    billReadsForAdds.set(key, read);
    return read;
  }

  async function fullBill(row: BillRow) {
    const [items, due] = await Promise.all([bills.items(row.id, 0, Number.MAX_SAFE_INTEGER), amountsDue([row])]);
    return billMessageOfRows(row, items, due.get(row.id));
  }

  /**
   * A create for a period that has a bill: a retry of the create that made it (its answer lost) is
   * answered with the bill as it is now; any other create is refused, and nothing changes.
   */
  async function retriedCreate(existing: StoredBillRow, request: CreateRequest) {
    if (!isRetryOf(request, existing)) {
      throw new ConnectError(`a bill for ${request.customerId} in ${request.billingPeriod} already exists`, Code.AlreadyExists);
    }
    // Its workflow wrote the row first: the key goes beside it now.
    if (existing.create_idempotency_key === null && request.idempotencyKey !== undefined) {
      await bills.setCreateKey(existing.id, request.idempotencyKey);
    }
    return fullBill(existing);
  }

  /**
   * Writes the row of a bill whose workflow runs without one (its create stopped between the
   * start and the insert), from the input the workflow was started with; the row as it is then.
   */
  async function rowFromWorkflow(key: { customerId: string; billingPeriod: string }): Promise<StoredBillRow | undefined> {
    const input = await workflows.recordedInput(key);
    if (!input) return undefined;
    const bounds = input.carried
      ? { start: new Date(input.carried.periodStart), end: new Date(input.carried.periodEnd) }
      : periodBounds(input.billingPeriod, input.timeZone);
    const inserted = await bills.insertOpen({
      id: input.billId, customer_id: input.customerId, billing_period: input.billingPeriod, currency: input.currency,
      time_zone: input.timeZone, status: 'OPEN', period_start: bounds.start, period_end: bounds.end,
      workflow_id: billWorkflowId(input.customerId, input.billingPeriod), created_at: new Date(input.createdAt),
      create_idempotency_key: null,
    });
    if (inserted) billsOpened.inc();
    return bills.find(key.customerId, key.billingPeriod);
  }

  return {
    createBill: async (request) => {
      const { idempotencyKey, ...bill } = checkNewBill(request, now(), currencies);
      // A bill that ever existed keeps its key, even after its workflow has left Temporal's retention.
      const existing = await bills.find(bill.customerId, bill.billingPeriod);
      if (existing) return create(CreateBillResponseSchema, { bill: await retriedCreate(existing, { ...bill, idempotencyKey }) });
      const id = billIdFor(bill.customerId, bill.billingPeriod, idempotencyKey);
      const createdAt = now();
      let workflowId: string;
      try {
        workflowId = await workflows.start({ ...bill, billId: id, createdAt: createdAt.toISOString() });
      } catch (error) {
        // The period's workflow exists and its row did not a moment ago: another create is
        // between its start and its insert, or stopped there (its answer lost). The row is written
        // now from the workflow's own input, so the bill is readable whoever asks; with a key
        // this may be a retry of that create, and it is answered from the row.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        const row = await bills.find(bill.customerId, bill.billingPeriod) ?? await rowFromWorkflow(bill);
        if (row) return create(CreateBillResponseSchema, { bill: await retriedCreate(row, { ...bill, idempotencyKey }) });
        if (idempotencyKey === undefined) throw error;
        throw new ConnectError('the bill for this period is being created; send the request again', Code.Unavailable);
      }
      // The workflow does not write its row when it starts (a bill started before billWorkflowV2
      // did, and may have won the race): a 201 means "readable now".
      const inserted = await bills.insertOpen({
        id, customer_id: bill.customerId, billing_period: bill.billingPeriod, currency: bill.currency,
        time_zone: bill.timeZone, status: 'OPEN', period_start: bill.periodStart, period_end: bill.periodEnd,
        workflow_id: workflowId, created_at: createdAt, create_idempotency_key: idempotencyKey ?? null,
      });
      if (inserted) billsOpened.inc();
      // A new bill has no items and owes nothing: the inserted row is the whole answer.
      const row = inserted ?? await requireBill(bill.customerId, bill.billingPeriod);
      return create(CreateBillResponseSchema, { bill: inserted ? billMessageOfRows(inserted) : await fullBill(row) });
    },

    getBill: async (request) => {
      const key = checkBillKey(request);
      return create(GetBillResponseSchema, { bill: await fullBill(await requireBill(key.customerId, key.billingPeriod)) });
    },

    addLineItem: async (request, context) => {
      const key = checkBillKey(request);
      // The add's one read: it tells a bill that never existed (404) from one whose workflow is
      // gone, refuses a bill that is no longer OPEN before a rate is fetched and recorded for
      // nothing, and gives the currency the item is checked and priced in. The workflow's
      // validator still has the last word on OPEN.
      const row = await requireBillForAdd(key.customerId, key.billingPeriod);
      if (row.status !== 'OPEN') {
        // A retry of an add that landed before the bill closed (its answer lost) gets that item,
        // as on an open bill: the refusal is only for an item the bill does not have.
        const stored = request.idempotencyKey === '' ? undefined : await bills.itemByKey(row.id, request.idempotencyKey);
        if (stored) {
          return create(AddLineItemResponseSchema, {
            bill: billMessageOfRows(row, [stored], (await amountsDue([row])).get(row.id)),
            item: lineItemMessageOfRow(stored, row.currency),
          });
        }
        throw new ConnectError(`the bill is ${row.status} and accepts no more items`, Code.FailedPrecondition);
      }
      const { input, item } = checkLineItem(request, row.currency, currencies);
      // A foreign-currency item is converted now, at a rate recorded before it is used; if the
      // rates service cannot answer, nothing is written and the caller gets `unavailable`.
      const rate = item.currency === row.currency ? undefined : await rates.rateFor(item.currency, row.currency, requestIdOf(context));
      const priced = priceLineItem(item, row.currency, rate);
      if (!priced.ok) {
        // The item passed its shape check, so only the rates service's answer can be at fault: an
        // internal error here, where the workflow would refuse it as the caller's invalid argument.
        throw new Error(`the rate for ${item.currency}/${row.currency} cannot price an item: ${JSON.stringify(priced.problems)}`);
      }
      // The Update answers with the bill and the item as stored (its activity wrote the read
      // model first): that is the response, with no second look at the read model.
      const result = await workflows.addLineItem(key, rate === undefined ? input : { ...input, exchangeRate: rate });
      return create(AddLineItemResponseSchema, {
        bill: billMessage(result.bill, [result.item]),
        item: lineItemMessage(result.item),
      });
    },

    listLineItems: async (request) => {
      const key = checkBillKey(request);
      const limit = pageLimit(request.limit);
      const afterSeq = decodeCursor(LINE_ITEMS_LIST, request.cursor, seqPosition) ?? 0;
      const row = await requireBill(key.customerId, key.billingPeriod);
      const page = pageOf(LINE_ITEMS_LIST, await bills.items(row.id, afterSeq, limit + 1), limit, (last) => [String(last.seq)]);
      return create(ListLineItemsResponseSchema, {
        items: page.rows.map((item) => lineItemMessageOfRow(item, row.currency)),
        nextCursor: page.nextCursor,
      });
    },

    closeBill: async (request, context) => {
      const key = checkBillKey(request);
      const row = await requireBill(key.customerId, key.billingPeriod);
      // Closing a closed (or failed) bill is answered with the bill as it is: nothing changes.
      if (row.status === 'OPEN' || row.status === 'CLOSING') await workflows.close(key, context.timeoutMs());
      return create(CloseBillResponseSchema, { bill: await fullBill(await requireBill(key.customerId, key.billingPeriod)) });
    },

    listBills: async (request) => {
      const filter = checkListFilter(request);
      const limit = pageLimit(request.limit);
      const rows = await bills.list({
        customerId: filter.customerId,
        status: billStatusName(request.status),
        from: filter.from,
        to: filter.to,
        beforePeriod: decodeCursor(BILLS_LIST, request.cursor, periodPosition),
        limit: limit + 1,
      });
      const page = pageOf(BILLS_LIST, rows, limit, (last) => [last.billing_period]);
      const due = await amountsDue(page.rows);
      return create(ListBillsResponseSchema, {
        bills: page.rows.map((row) => billMessageOfRows(row, [], due.get(row.id))),
        nextCursor: page.nextCursor,
      });
    },
  };
}

const LINE_ITEMS_LIST = 'line-items';
const BILLS_LIST = 'bills';

/** A line items page's position: the sequence number of its last item (items start at 1). */
const seqPosition = countPosition;

/** A bills page's position: the billing period of its last bill. */
function periodPosition([period, ...rest]: string[]): string | undefined {
  return rest.length === 0 && period !== undefined && parseBillingPeriod(period) !== undefined ? period : undefined;
}
