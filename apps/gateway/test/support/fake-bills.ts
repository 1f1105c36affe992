import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import { BillSchema, BillStatus, LineItemSchema, MoneySchema, type Bill, type BillService, type LineItem } from '@billing/contracts';

export const CREATED_AT = new Date('2031-01-05T10:00:00Z');

interface StoredBill {
  bill: Bill;
  items: LineItem[];
}

/**
 * A BillService kept in memory, with bill-service's manners where the gateway depends on them:
 * NotFound, AlreadyExists, FailedPrecondition after close, items deduplicated by idempotency key.
 * Amounts are whole numbers of cents here; exact decimal pricing is bill-service's and tested there.
 */
export function fakeBillService() {
  const bills = new Map<string, StoredBill>();
  const calls = { addLineItem: 0, createBill: 0, closeBill: 0 };
  let nextId = 1;
  const find = (customerId: string, billingPeriod: string) => {
    const stored = bills.get(`${customerId}/${billingPeriod}`);
    if (!stored) throw new ConnectError(`no bill for customer ${customerId} in ${billingPeriod}`, Code.NotFound);
    return stored;
  };
  const withItems = (stored: StoredBill, items = stored.items) => create(BillSchema, { ...stored.bill, items });

  const service: ServiceImpl<typeof BillService> = {
    async createBill(request) {
      calls.createBill += 1;
      const key = `${request.customerId}/${request.billingPeriod}`;
      if (bills.has(key)) throw new ConnectError('a bill for this customer and period already exists', Code.AlreadyExists);
      if (request.billingPeriod === '2020-01') throw new ConnectError('billingPeriod: 2020-01 has already ended in UTC', Code.InvalidArgument);
      const [year, month] = request.billingPeriod.split('-').map((part) => Number.parseInt(part, 10)) as [number, number];
      const bill = create(BillSchema, {
        id: `bill_${nextId++}`,
        customerId: request.customerId,
        billingPeriod: request.billingPeriod,
        currency: request.currency,
        timeZone: request.timeZone,
        status: BillStatus.OPEN,
        periodStart: timestampFromDate(new Date(Date.UTC(year, month - 1, 1))),
        periodEnd: timestampFromDate(new Date(Date.UTC(year, month, 1))),
        total: create(MoneySchema, { amount: '0.00', currency: request.currency }),
        amountDue: create(MoneySchema, { amount: '0.00', currency: request.currency }),
        createdAt: timestampFromDate(CREATED_AT),
        updatedAt: timestampFromDate(CREATED_AT),
      });
      bills.set(key, { bill, items: [] });
      return { bill: withItems(bills.get(key) as StoredBill) };
    },

    async getBill(request) {
      return { bill: withItems(find(request.customerId, request.billingPeriod)) };
    },

    async addLineItem(request) {
      calls.addLineItem += 1;
      const stored = find(request.customerId, request.billingPeriod);
      if (stored.bill.status !== BillStatus.OPEN) throw new ConnectError('the bill is CLOSED and accepts no more items', Code.FailedPrecondition);
      if (request.amount === '0') throw new ConnectError('amount: must be greater than 0', Code.InvalidArgument);
      const existing = stored.items.find((item) => item.idempotencyKey === request.idempotencyKey);
      if (existing) return { bill: withItems(stored, [existing]), item: existing };
      const cents = BigInt((request.amount ?? '0').replace('.', ''));
      const currency = request.currency ?? stored.bill.currency;
      const item = create(LineItemSchema, {
        id: `li_${nextId++}`,
        idempotencyKey: request.idempotencyKey,
        description: request.description,
        quantity: request.quantity ?? '1',
        unitPrice: create(MoneySchema, { amount: request.unitPrice ?? request.amount ?? '0', currency }),
        amount: create(MoneySchema, { amount: request.amount ?? '0', currency }),
        metadata: request.metadata,
        addedAt: timestampFromDate(CREATED_AT),
      });
      stored.items.push(item);
      const total = BigInt((stored.bill.total?.amount ?? '0.00').replace('.', '')) + cents;
      const totalText = total.toString().padStart(3, '0');
      stored.bill.total = create(MoneySchema, { amount: `${totalText.slice(0, -2)}.${totalText.slice(-2)}`, currency: stored.bill.currency });
      stored.bill.itemCount = stored.items.length;
      return { bill: withItems(stored, [item]), item };
    },

    async listLineItems(request) {
      const stored = find(request.customerId, request.billingPeriod);
      const start = request.cursor === '' ? 0 : Number.parseInt(request.cursor, 10);
      const page = stored.items.slice(start, start + request.limit);
      const next = start + request.limit;
      return { items: page, nextCursor: next < stored.items.length ? String(next) : undefined };
    },

    async closeBill(request) {
      calls.closeBill += 1;
      const stored = find(request.customerId, request.billingPeriod);
      if (stored.bill.status === BillStatus.OPEN) {
        stored.bill.status = BillStatus.CLOSED;
        stored.bill.invoiceNumber = 'INV-2031-000001';
        stored.bill.closedAt = timestampFromDate(CREATED_AT);
      }
      return { bill: withItems(stored) };
    },

    async listBills(request) {
      const page = [...bills.values()]
        .map((stored) => stored.bill)
        .filter((bill) => bill.customerId === request.customerId)
        .filter((bill) => request.status === BillStatus.UNSPECIFIED || bill.status === request.status)
        .sort((a, b) => b.billingPeriod.localeCompare(a.billingPeriod));
      return { bills: page.slice(0, request.limit) };
    },
  };
  return { service, bills, calls };
}
