import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  AdjustResponseSchema, GetTrialBalanceResponseSchema, ListAccountsResponseSchema, ListEntriesResponseSchema,
  PayBillResponseSchema, PostInvoiceResponseSchema, RecordCollectionResponseSchema, RefundResponseSchema,
  TopUpResponseSchema, TransferResponseSchema, WithdrawResponseSchema, type LedgerService,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import { DEFAULT_UNITS, type UnitRegistry } from '@billing/money';
import { decodeCursor, encodeCursor, pageLimit } from '../cursor.ts';
import { ledgerRepository } from './ledger-repository.ts';
import { accountMessage, entryMessage, trialBalanceLine } from './ledger-view.ts';
import { ledgerWriter, type LedgerWriterOptions } from './ledger-writer.ts';
import { ledgerPayments } from './payments.ts';
import {
  adjustmentPlan, collectionPlan, invoicePlan, topUpPlan, transferPlan, withdrawalPlan,
} from './plans.ts';
import {
  checkAdjust, checkCustomerRequest, checkPayBill, checkPostInvoice, checkRecordCollection, checkRefund, checkTransfer,
  checkWalletMovement,
} from './validation.ts';

export interface LedgerServiceDeps {
  db: Db;
  /** The registered non-fiat units wallets and the ledger accept besides ISO 4217 currencies. */
  units?: UnitRegistry;
  writer?: LedgerWriterOptions;
}

/**
 * billing.v1.LedgerService. Requests are checked once (validation.ts), turned into entry plans
 * (plans.ts) and posted; the database enforces the books. Every posting call is idempotent by its
 * key: the answer to a repeated key is the first entry, marked `replayed`.
 */
export function createLedgerService(deps: LedgerServiceDeps): ServiceImpl<typeof LedgerService> {
  const units = deps.units ?? DEFAULT_UNITS;
  const ledger = ledgerRepository(deps.db);
  const writer = ledgerWriter(ledger, deps.writer);
  const payments = ledgerPayments(deps.db, ledger, units);
  const answer = (outcome: { entry: Parameters<typeof entryMessage>[0]; replayed: boolean }) => ({
    entry: entryMessage(outcome.entry, units), replayed: outcome.replayed,
  });

  return {
    listAccounts: async (request) => {
      const customerId = checkCustomerRequest(request);
      const rows = await ledger.accountsOf(customerId);
      return create(ListAccountsResponseSchema, { accounts: rows.map((row) => accountMessage(row, units)) });
    },

    topUp: async (request) => {
      const { customerId, amount, key } = checkWalletMovement(request, units);
      return create(TopUpResponseSchema, answer(await writer.post(topUpPlan(customerId, amount, key))));
    },

    withdraw: async (request) => {
      const { customerId, amount, key } = checkWalletMovement(request, units);
      return create(WithdrawResponseSchema, answer(await writer.post(withdrawalPlan(customerId, amount, key))));
    },

    transfer: async (request) => {
      const { from, to, amount, key } = checkTransfer(request, units);
      return create(TransferResponseSchema, answer(await writer.post(transferPlan(from, to, amount, key))));
    },

    adjust: async (request) => {
      const { customerId, kind, direction, amount, reason, key } = checkAdjust(request, units);
      return create(AdjustResponseSchema, answer(await writer.post(adjustmentPlan(customerId, kind, direction, amount, reason, key))));
    },

    payBill: async (request) => {
      const { customerId, billingPeriod, key } = checkPayBill(request);
      return create(PayBillResponseSchema, answer(await payments.payBillFromWallet(customerId, billingPeriod, key)));
    },

    refund: async (request) => {
      const { customerId, paymentId, amount, key } = checkRefund(request, units);
      return create(RefundResponseSchema, answer(await payments.refund(customerId, paymentId, amount, key)));
    },

    postInvoice: async (request) => {
      const { customerId, billId, total } = checkPostInvoice(request, units);
      // A bill that closed at zero owes nothing; no entry of zero is ever posted.
      if (total.minor === 0n) return create(PostInvoiceResponseSchema, {});
      return create(PostInvoiceResponseSchema, answer(await writer.post(invoicePlan(customerId, billId, total))));
    },

    recordCollection: async (request) => {
      const { customerId, billId, amount, provider, key, paymentReference } = checkRecordCollection(request, units);
      return create(RecordCollectionResponseSchema,
        answer(await writer.post(collectionPlan(customerId, billId, amount, provider, key, paymentReference))));
    },

    listEntries: async (request) => {
      const customerId = checkCustomerRequest(request);
      const limit = pageLimit(request.limit);
      const rows = await ledger.entriesOf(customerId, entryCursor(decodeCursor(request.cursor)), limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return create(ListEntriesResponseSchema, {
        entries: page.map((entry) => entryMessage(entry, units)),
        nextCursor: rows.length > limit && last ? encodeCursor(`${last.createdAt.toISOString()}|${last.id}`) : undefined,
      });
    },

    getTrialBalance: async () => {
      const lines = await ledger.trialBalance();
      return create(GetTrialBalanceResponseSchema, { lines: lines.map((line) => trialBalanceLine(line, units)) });
    },
  };
}

function entryCursor(position: string | undefined): { createdAt: Date; id: string } | undefined {
  if (position === undefined) return undefined;
  const [time, id] = position.split('|');
  const createdAt = new Date(time ?? '');
  if (id === undefined || Number.isNaN(createdAt.getTime())) throw new ConnectError('cursor: malformed', Code.InvalidArgument);
  return { createdAt, id };
}
