// One validation pass per ledger request: a malformed request is a 400 naming its fields, and
// nothing reaches the database. Amounts are parsed by @billing/money, strictly, in the currency
// or registered unit they name.
import { Code, ConnectError } from '@connectrpc/connect';
import {
  AccountKind, Direction, PaymentSource, type AdjustRequest, type Money as MoneyMessage, type PayBillRequest,
  type PostInvoiceRequest, type RecordCollectionRequest, type RefundRequest, type TransferRequest,
} from '@billing/contracts';
import { parseBillingPeriod } from '@billing/bills';
import { currencyOrUnit, isMoneyError, parseMoney, requireFiat, type Money, type UnitRegistry } from '@billing/money';
import { DESCRIPTION_MAX_CHARS, checkFreeText } from '@billing/text';
import { customerIdProblems } from '../customer-id.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';
import type { AdjustableKind, Side } from '@billing/ledger';

const PROVIDER = /^[a-z0-9][a-z0-9-]{0,31}$/;
const MAX_KEY_LENGTH = 255;

class Problems {
  readonly list: FieldProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  customer(field: string, customerId: string): void {
    for (const problem of customerIdProblems(customerId)) this.add(field, problem.message);
  }

  key(field: string, key: string): void {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) this.add(field, `must be 1–${MAX_KEY_LENGTH} characters`);
  }

  /** A positive amount, exact to its currency's (or unit's) decimals; `fiat` for bills' currencies. */
  money(field: string, message: MoneyMessage | undefined, units: UnitRegistry, { allowZero = false, fiat = false } = {}): Money | undefined {
    if (message === undefined) {
      this.add(field, 'is required');
      return undefined;
    }
    try {
      const currency = fiat ? requireFiat(message.currency, units) : currencyOrUnit(message.currency, units);
      return parseMoney(message.amount, currency, allowZero ? { nonNegative: true } : { positive: true });
    } catch (error) {
      if (!isMoneyError(error)) throw error;
      this.add(field, error.message);
      return undefined;
    }
  }

  /** Throws the 400 when anything was found; otherwise narrows the values that were read. */
  done(): void {
    if (this.list.length > 0) throw invalidArgument(this.list);
  }
}

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new ConnectError('validated value missing', Code.Internal);
  return value;
}

export function checkCustomerRequest(request: { customerId: string }): string {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  problems.done();
  return request.customerId;
}

export function checkWalletMovement(request: { customerId: string; amount?: MoneyMessage; idempotencyKey: string }, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  const amount = problems.money('amount', request.amount, units);
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return { customerId: request.customerId, amount: present(amount), key: request.idempotencyKey };
}

export function checkTransfer(request: TransferRequest, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('fromCustomerId', request.fromCustomerId);
  problems.customer('toCustomerId', request.toCustomerId);
  if (request.fromCustomerId !== '' && request.fromCustomerId === request.toCustomerId) {
    problems.add('toCustomerId', 'must differ from fromCustomerId');
  }
  const amount = problems.money('amount', request.amount, units);
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return { from: request.fromCustomerId, to: request.toCustomerId, amount: present(amount), key: request.idempotencyKey };
}

export function checkPayBill(request: PayBillRequest) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  if (!parseBillingPeriod(request.billingPeriod)) problems.add('billingPeriod', 'must be a month as YYYY-MM');
  if (request.source !== PaymentSource.WALLET) problems.add('source', 'must be WALLET (the only payment source for now)');
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return { customerId: request.customerId, billingPeriod: request.billingPeriod, key: request.idempotencyKey };
}

export function checkRefund(request: RefundRequest, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  if (!/^ent_[A-Za-z0-9]{1,64}$/.test(request.paymentEntryId)) problems.add('paymentEntryId', 'must be an entry id (ent_...)');
  // An amount without a currency is in the payment's currency, known only once the payment is
  // read: it is parsed then (see payments.ts), with the same rules.
  const amount = request.amount === undefined || request.amount.currency === ''
    ? request.amount?.amount
    : problems.money('amount', request.amount, units);
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return { customerId: request.customerId, paymentId: request.paymentEntryId, amount, key: request.idempotencyKey };
}

const ADJUSTABLE: ReadonlyMap<AccountKind, AdjustableKind> = new Map([
  [AccountKind.WALLET, 'wallet'], [AccountKind.RECEIVABLE, 'receivable'],
]);
const SIDES: ReadonlyMap<Direction, Side> = new Map([[Direction.DEBIT, 'DEBIT'], [Direction.CREDIT, 'CREDIT']]);

export function checkAdjust(request: AdjustRequest, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  const kind = ADJUSTABLE.get(request.accountKind);
  if (kind === undefined) problems.add('accountKind', 'must be WALLET or RECEIVABLE');
  const direction = SIDES.get(request.direction);
  if (direction === undefined) problems.add('direction', 'must be DEBIT or CREDIT');
  const amount = problems.money('amount', request.amount, units);
  // A reason is a description of the adjustment, kept as its entry's reference: trimmed, like every description.
  const reason = checkFreeText(request.reason, { maxChars: DESCRIPTION_MAX_CHARS });
  if (!reason.ok) problems.add('reason', reason.message);
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return {
    customerId: request.customerId, kind: present(kind), direction: present(direction), amount: present(amount),
    reason: reason.ok ? reason.text : request.reason, key: request.idempotencyKey,
  };
}

export function checkPostInvoice(request: PostInvoiceRequest, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  if (request.billId === '') problems.add('billId', 'is required');
  const total = problems.money('total', request.total, units, { allowZero: true, fiat: true });
  problems.done();
  return { customerId: request.customerId, billId: request.billId, total: present(total) };
}

export function checkRecordCollection(request: RecordCollectionRequest, units: UnitRegistry) {
  const problems = new Problems();
  problems.customer('customerId', request.customerId);
  if (request.billId === '') problems.add('billId', 'is required');
  const amount = problems.money('amount', request.amount, units, { fiat: true });
  if (!PROVIDER.test(request.provider)) problems.add('provider', 'must be 1–32 lower-case letters, digits or "-"');
  problems.key('idempotencyKey', request.idempotencyKey);
  problems.done();
  return {
    customerId: request.customerId, billId: request.billId, amount: present(amount), provider: request.provider,
    key: request.idempotencyKey, paymentReference: request.paymentReference,
  };
}
