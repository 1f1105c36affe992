import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  AccountKind, AccountSchema, Direction, EntrySchema, EntryType, MoneySchema, PostingSchema, TrialBalanceLineSchema,
  type Entry, type LedgerService, type Money,
} from '@billing/contracts';

/**
 * A LedgerService that records every request and answers one fixed, balanced entry per posting
 * call (remembered by idempotency key), so route tests can check what the gateway sends and how it
 * renders what comes back. The real service is tested in apps/bill-service and, through the
 * gateway, in tests/system.
 */
export function fakeLedgerService() {
  const requests: { method: string; request: Record<string, unknown> }[] = [];
  const byKey = new Map<string, Entry>();
  const at = timestampFromDate(new Date('2031-01-05T10:00:00Z'));
  const record = (method: string, request: object) => requests.push({ method, request: { ...request } as Record<string, unknown> });
  const money = (amount: string, currency: string) => create(MoneySchema, { amount, currency });

  function post(type: EntryType, key: string, customerId: string, amount: Money | undefined, reference = '') {
    const first = byKey.get(key);
    if (first) return { entry: first, replayed: true };
    const value = amount ?? money('1.00', 'USD');
    const entry = create(EntrySchema, {
      id: `ent_${byKey.size + 1}`, type, idempotencyKey: key, customerId, createdAt: at, reference,
      postings: [
        create(PostingSchema, { accountId: 'acc_cash_USD', direction: Direction.DEBIT, amount: value }),
        create(PostingSchema, { accountId: `acc_wallet_USD_${customerId}`, direction: Direction.CREDIT, amount: value }),
      ],
    });
    byKey.set(key, entry);
    return { entry, replayed: false };
  }

  const service: Partial<ServiceImpl<typeof LedgerService>> = {
    async listAccounts(request) {
      record('listAccounts', request);
      if (request.customerId === 'cus_new') return { accounts: [] };
      return {
        accounts: [
          create(AccountSchema, { id: 'acc_receivable_USD_cus_1', kind: AccountKind.RECEIVABLE, currency: 'USD', balance: money('12.34', 'USD'), customerId: request.customerId }),
          create(AccountSchema, { id: 'acc_wallet_ETH_cus_1', kind: AccountKind.WALLET, currency: 'ETH', balance: money('0.000000000000000001', 'ETH'), customerId: request.customerId }),
        ],
      };
    },
    async topUp(request) {
      record('topUp', request);
      if (request.amount?.currency === 'USD' && /\.\d{3,}$/.test(request.amount.amount)) {
        throw new ConnectError(`amount: "${request.amount.amount}" has more decimals than USD allows (2)`, Code.InvalidArgument);
      }
      return post(EntryType.TOPUP, request.idempotencyKey, request.customerId, request.amount);
    },
    async withdraw(request) {
      record('withdraw', request);
      if (request.amount?.amount !== '1.00') throw new ConnectError('the wallet holds 1.00 USD, less than the amount', Code.FailedPrecondition);
      return post(EntryType.WITHDRAWAL, request.idempotencyKey, request.customerId, request.amount);
    },
    async transfer(request) {
      record('transfer', request);
      return post(EntryType.TRANSFER, request.idempotencyKey, request.fromCustomerId, request.amount);
    },
    async payBill(request) {
      record('payBill', request);
      if (request.billingPeriod === '2031-03') throw new ConnectError('the bill is OPEN; only a CLOSED bill can be paid', Code.FailedPrecondition);
      return post(EntryType.PAYMENT, request.idempotencyKey, request.customerId, undefined, 'bill_1');
    },
    async refund(request) {
      record('refund', request);
      if (request.paymentEntryId !== 'ent_1') throw new ConnectError(`no payment ${request.paymentEntryId}`, Code.NotFound);
      return post(EntryType.REFUND, request.idempotencyKey, request.customerId, request.amount, request.paymentEntryId);
    },
    async adjust(request) {
      record('adjust', request);
      return post(EntryType.ADJUSTMENT, request.idempotencyKey, request.customerId, request.amount, request.reason);
    },
    async listEntries(request) {
      record('listEntries', request);
      const entries = [...byKey.values()].filter((entry) => entry.customerId === request.customerId);
      return { entries, nextCursor: request.cursor === '' ? 'page-2' : undefined };
    },
    async getTrialBalance(request) {
      record('getTrialBalance', request);
      return {
        lines: [
          create(TrialBalanceLineSchema, { currency: 'ETH', debits: money('1.5', 'ETH'), credits: money('1.5', 'ETH') }),
          create(TrialBalanceLineSchema, { currency: 'USD', debits: money('250.00', 'USD'), credits: money('250.00', 'USD') }),
        ],
      };
    },
  };
  return { service, requests };
}
