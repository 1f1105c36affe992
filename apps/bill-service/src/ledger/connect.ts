import { create } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import {
  AdjustResponseSchema, GetTrialBalanceResponseSchema, OperationResultSchema, PostEntriesResponseSchema, ListAccountsResponseSchema, ListEntriesResponseSchema,
  PayBillResponseSchema, PostInvoiceResponseSchema, RecordCollectionResponseSchema, RefundResponseSchema,
  TopUpResponseSchema, TransferResponseSchema, WithdrawResponseSchema, type AdjustRequest, type EntryOperation,
  type LedgerService, type OperationResult, type TopUpRequest, type TransferRequest, type WithdrawRequest,
} from '@billing/contracts';
import type { Db } from '@billing/db';
import {
  adjustmentPlan, collectionPlan, invoicePlan, topUpPlan, transferPlan, withdrawalPlan, type EntryPlan,
} from '@billing/ledger';
import { DEFAULT_UNITS, type UnitRegistry } from '@billing/money';
import { decodeCursor, keysetPosition, pageLimit, pageOf } from '@billing/grpc-kit';
import { ledgerErrors } from './ledger-errors.ts';
import { ledgerRepository } from './ledger-repository.ts';
import { accountMessage, entryMessage, trialBalanceLine } from './ledger-view.ts';
import { ledgerWriter, type LedgerWriterOptions } from './ledger-writer.ts';
import { ledgerPayments } from './payments.ts';
import {
  checkAdjust, checkCustomerRequest, checkPayBill, checkPostInvoice, checkRecordCollection, checkRefund, checkTransfer,
  checkWalletMovement,
} from './validation.ts';

/** What a cursor of a customer's accounts may name: a unit code and a customer account's kind. */
const ACCOUNT_CURRENCY = /^[A-Z][A-Z0-9]{1,11}$/;
const CUSTOMER_KINDS = new Set(['receivable', 'wallet']);

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
  const ledger = ledgerRepository(deps.db, units);
  const writer = ledgerWriter(ledger, deps.writer);
  const payments = ledgerPayments(deps.db, ledger, units);
  const answer = (outcome: { entry: Parameters<typeof entryMessage>[0]; replayed: boolean }) => ({
    entry: entryMessage(outcome.entry, units), replayed: outcome.replayed,
  });

  // The operations whose postings follow from the request alone, one checked plan each: the
  // single calls and PostEntries share them, so a batched operation is exactly its single call.
  const plan = {
    topUp(request: TopUpRequest) {
      const { customerId, amount, key } = checkWalletMovement(request, units);
      return topUpPlan(customerId, amount, key);
    },
    withdrawal(request: WithdrawRequest) {
      const { customerId, amount, key } = checkWalletMovement(request, units);
      return withdrawalPlan(customerId, amount, key);
    },
    transfer(request: TransferRequest) {
      const { from, to, amount, key } = checkTransfer(request, units);
      return transferPlan(from, to, amount, key);
    },
    adjustment(request: AdjustRequest) {
      const { customerId, kind, direction, amount, reason, key } = checkAdjust(request, units);
      return adjustmentPlan(customerId, kind, direction, amount, reason, key);
    },
  };

  function planOf(operation: EntryOperation) {
    switch (operation.operation.case) {
      case 'topUp': return plan.topUp(operation.operation.value);
      case 'withdrawal': return plan.withdrawal(operation.operation.value);
      case 'transfer': return plan.transfer(operation.operation.value);
      case 'adjustment': return plan.adjustment(operation.operation.value);
      default: throw new ConnectError('operation: one of topUp, withdrawal, transfer or adjustment is required', Code.InvalidArgument);
    }
  }

  /**
   * A refusal (a request that does not check, a ledger rule) is an operation's answer, said as the
   * single call would say it; anything else (the database is down) fails the call.
   */
  function refusalOf(error: unknown): OperationResult {
    const refusal = error instanceof ConnectError ? { code: error.code, message: error.rawMessage } : ledgerErrors(error);
    // The caller retries the whole call: every operation in it is idempotent by its key.
    if (!refusal || !OPERATION_REFUSALS.has(refusal.code)) throw error;
    return create(OperationResultSchema, { result: { case: 'failure', value: { code: codeName(refusal.code), message: refusal.message } } });
  }

  /** A caller's batch: checked one by one, then posted in its order; one answer per operation. */
  async function postOperations(operations: readonly EntryOperation[]): Promise<OperationResult[]> {
    type Checked = { ok: true; plan: EntryPlan } | { ok: false; refused: OperationResult };
    const checked = operations.map((operation): Checked => {
      try {
        return { ok: true, plan: planOf(operation) };
      } catch (error) {
        return { ok: false, refused: refusalOf(error) };
      }
    });
    const plans = checked.flatMap((each) => (each.ok ? [each.plan] : []));
    const settled = await writer.postInOrder(plans);
    let next = 0;
    return checked.map((each) => {
      if (!each.ok) return each.refused;
      const result = settled[next++];
      if (!result) throw new Error('the ledger answered fewer results than operations sent');
      if ('error' in result) return refusalOf(result.error);
      return create(OperationResultSchema, {
        result: { case: 'entry', value: entryMessage(result.outcome.entry, units) }, replayed: result.outcome.replayed,
      });
    });
  }

  return {
    listAccounts: async (request) => {
      const customerId = checkCustomerRequest(request);
      const limit = pageLimit(request.limit);
      const after = decodeCursor('accounts', request.cursor, (position) =>
        position.length === 2 && ACCOUNT_CURRENCY.test(position[0] ?? '') && CUSTOMER_KINDS.has(position[1] ?? '')
          ? { currency: position[0] ?? '', kind: position[1] ?? '' } : undefined);
      const page = pageOf('accounts', await ledger.accountsOf(customerId, after, limit + 1), limit, (row) => [row.currency, row.kind]);
      return create(ListAccountsResponseSchema, { accounts: page.rows.map((row) => accountMessage(row, units)), nextCursor: page.nextCursor });
    },

    topUp: async (request) => create(TopUpResponseSchema, answer(await writer.post(plan.topUp(request)))),
    withdraw: async (request) => create(WithdrawResponseSchema, answer(await writer.post(plan.withdrawal(request)))),
    transfer: async (request) => create(TransferResponseSchema, answer(await writer.post(plan.transfer(request)))),
    adjust: async (request) => create(AdjustResponseSchema, answer(await writer.post(plan.adjustment(request)))),

    postEntries: async (request) => {
      if (request.operations.length === 0 || request.operations.length > MAX_OPERATIONS) {
        throw new ConnectError(`operations: must hold 1–${MAX_OPERATIONS} operations, got ${request.operations.length}`, Code.InvalidArgument);
      }
      return create(PostEntriesResponseSchema, { results: await postOperations(request.operations) });
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
      const after = decodeCursor(ENTRIES_LIST, request.cursor, keysetPosition());
      const page = pageOf(ENTRIES_LIST, await ledger.entriesOf(customerId, after, limit + 1), limit, (last) => [last.position, last.id]);
      return create(ListEntriesResponseSchema, { entries: page.rows.map((entry) => entryMessage(entry, units)), nextCursor: page.nextCursor });
    },

    getTrialBalance: async () => {
      const lines = await ledger.trialBalance();
      return create(GetTrialBalanceResponseSchema, { lines: lines.map((line) => trialBalanceLine(line, units)) });
    },
  };
}

const MAX_OPERATIONS = 1_000;
const ENTRIES_LIST = 'entries';

/** The refusals a batched operation answers with; any other failure fails the whole call. */
const OPERATION_REFUSALS: ReadonlySet<Code> = new Set([Code.InvalidArgument, Code.FailedPrecondition, Code.NotFound]);

/** Connect's wire name of a code: Code.FailedPrecondition is "failed_precondition". */
function codeName(code: Code): string {
  return Code[code].replace(/[A-Z]/g, (letter, offset: number) => `${offset === 0 ? '' : '_'}${letter.toLowerCase()}`);
}
