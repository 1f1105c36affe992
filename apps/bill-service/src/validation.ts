import { Code, ConnectError } from '@connectrpc/connect';
import {
  isValidTimeZone, parseBillingPeriod, periodBounds, periodHasEnded, validateLineItem, type LineItemInput,
} from '@billing/bills';
import { isCurrency } from '@billing/money';
import type { AddLineItemRequest, CreateBillRequest, ListBillsRequest } from '@billing/contracts';
import { invalidArgument, type FieldProblem } from './errors.ts';

const CUSTOMER_ID = /^[A-Za-z0-9._-]{1,64}$/;

function customerProblems(customerId: string): FieldProblem[] {
  return CUSTOMER_ID.test(customerId)
    ? []
    : [{ field: 'customerId', message: 'must be 1–64 characters of letters, digits, ".", "_" or "-"' }];
}

function periodProblems(field: string, period: string): FieldProblem[] {
  return parseBillingPeriod(period) ? [] : [{ field, message: `must be a month as YYYY-MM, got ${JSON.stringify(period.slice(0, 40))}` }];
}

function fail(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument(problems);
}

export function checkBillKey(request: { customerId: string; billingPeriod: string }) {
  fail([...customerProblems(request.customerId), ...periodProblems('billingPeriod', request.billingPeriod)]);
  return { customerId: request.customerId, billingPeriod: request.billingPeriod };
}

export function checkNewBill(request: CreateBillRequest, now: Date) {
  const timeZone = request.timeZone === '' ? 'UTC' : request.timeZone;
  const problems = [...customerProblems(request.customerId), ...periodProblems('billingPeriod', request.billingPeriod)];
  if (!isCurrency(request.currency)) {
    problems.push({ field: 'currency', message: `${JSON.stringify(request.currency.slice(0, 40))} is not an ISO 4217 currency` });
  }
  if (!isValidTimeZone(timeZone)) {
    problems.push({ field: 'timeZone', message: `${JSON.stringify(timeZone.slice(0, 80))} is not an IANA time zone` });
  }
  fail(problems);
  if (periodHasEnded(request.billingPeriod, timeZone, now)) {
    throw new ConnectError(`billingPeriod: ${request.billingPeriod} has already ended in ${timeZone}`, Code.InvalidArgument);
  }
  const bounds = periodBounds(request.billingPeriod, timeZone);
  return {
    customerId: request.customerId,
    billingPeriod: request.billingPeriod,
    currency: request.currency,
    timeZone,
    periodStart: bounds.start,
    periodEnd: bounds.end,
  };
}

/** The item as the workflow will receive it, checked here first so a bad one never reaches Temporal. */
export function checkLineItem(request: AddLineItemRequest, billCurrency: string): LineItemInput {
  const item: LineItemInput = {
    idempotencyKey: request.idempotencyKey,
    description: request.description,
    ...(request.amount !== undefined ? { amount: request.amount } : {}),
    ...(request.quantity !== undefined ? { quantity: request.quantity } : {}),
    ...(request.unitPrice !== undefined ? { unitPrice: request.unitPrice } : {}),
    ...(request.currency !== undefined ? { currency: request.currency } : {}),
    ...(Object.keys(request.metadata).length > 0 ? { metadata: { ...request.metadata } } : {}),
  };
  // A foreign-currency item is checked with a stand-in rate first, so a bad item is refused
  // before the rates service is asked (and before its rate is recorded); the real rate is
  // attached and checked again by the caller.
  const foreign = item.currency !== undefined && item.currency !== billCurrency;
  const probe = foreign ? { ...item, exchangeRate: { rate: '1', source: 'validation', asOf: new Date(0).toISOString() } } : item;
  const validation = validateLineItem(probe, billCurrency);
  if (!validation.ok) throw invalidArgument([...validation.problems]);
  return item;
}

export function checkListFilter(request: ListBillsRequest) {
  const problems = customerProblems(request.customerId);
  if (request.from !== '') problems.push(...periodProblems('from', request.from));
  if (request.to !== '') problems.push(...periodProblems('to', request.to));
  fail(problems);
  if (request.from !== '' && request.to !== '' && request.from > request.to) {
    throw invalidArgument([{ field: 'from', message: 'must not be after to' }]);
  }
  return {
    customerId: request.customerId,
    from: request.from === '' ? undefined : request.from,
    to: request.to === '' ? undefined : request.to,
  };
}
