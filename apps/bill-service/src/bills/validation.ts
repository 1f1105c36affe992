import { Code, ConnectError } from '@connectrpc/connect';
import {
  checkLineItemShape, isValidTimeZone, parseBillingPeriod, periodBounds, periodHasEnded, type CheckedLineItem,
  type LineItemInput,
} from '@billing/bills';
import { isCurrency } from '@billing/money';
import type { AddLineItemRequest, CreateBillRequest, ListBillsRequest } from '@billing/contracts';
import { billCurrencyProblems, withPolicyProblems, type BillCurrencyPolicy } from '../bill-currencies.ts';
import { customerIdProblems } from '../customer-id.ts';
import { idempotencyKeyProblems } from '../idempotency-key.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';


function periodProblems(field: string, period: string): FieldProblem[] {
  return parseBillingPeriod(period) ? [] : [{ field, message: `must be a month as YYYY-MM, got ${JSON.stringify(period.slice(0, 40))}` }];
}

function fail(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument(problems);
}

export function checkBillKey(request: { customerId: string; billingPeriod: string }) {
  fail([...customerIdProblems(request.customerId), ...periodProblems('billingPeriod', request.billingPeriod)]);
  return { customerId: request.customerId, billingPeriod: request.billingPeriod };
}

export function checkNewBill(request: CreateBillRequest, now: Date, currencies: BillCurrencyPolicy) {
  const timeZone = request.timeZone === '' ? 'UTC' : request.timeZone;
  const problems = [...customerIdProblems(request.customerId), ...periodProblems('billingPeriod', request.billingPeriod)];
  const refused = billCurrencyProblems('currency', request.currency, currencies, 'bills');
  if (refused.length > 0) {
    problems.push(...refused);
  } else if (!isCurrency(request.currency)) {
    problems.push({ field: 'currency', message: `${JSON.stringify(request.currency.slice(0, 40))} is not an ISO 4217 currency` });
  }
  if (!isValidTimeZone(timeZone)) {
    problems.push({ field: 'timeZone', message: `${JSON.stringify(timeZone.slice(0, 80))} is not an IANA time zone` });
  }
  problems.push(...idempotencyKeyProblems(request.idempotencyKey));
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
    /** Undefined when the create came without one. */
    idempotencyKey: request.idempotencyKey === '' ? undefined : request.idempotencyKey,
  };
}

/**
 * The shape check of an item, before anything else happens for it: a malformed item is a 400
 * naming the field, and neither the rates service nor Temporal hears of it. Returns the item as
 * the workflow will receive it (the caller's fields as sent; the workflow checks them again, on
 * its side of the boundary, with the same function) and what the check read from it.
 */
export function checkLineItem(
  request: AddLineItemRequest, billCurrency: string, currencies: BillCurrencyPolicy,
): { input: LineItemInput; item: CheckedLineItem } {
  const input: LineItemInput = {
    idempotencyKey: request.idempotencyKey,
    description: request.description,
    ...(request.amount !== undefined ? { amount: request.amount } : {}),
    ...(request.quantity !== undefined ? { quantity: request.quantity } : {}),
    ...(request.unitPrice !== undefined ? { unitPrice: request.unitPrice } : {}),
    ...(request.currency !== undefined ? { currency: request.currency } : {}),
    ...(Object.keys(request.metadata).length > 0 ? { metadata: { ...request.metadata } } : {}),
  };
  // An item in the bill's own currency is always welcome: the bill was accepted in it.
  const refused = request.currency === undefined || request.currency === billCurrency
    ? [] : billCurrencyProblems('currency', request.currency, currencies, 'bills and their items');
  const shape = checkLineItemShape(input, billCurrency);
  if (!shape.ok || refused.length > 0) throw invalidArgument(withPolicyProblems(shape.ok ? [] : shape.problems, refused));
  return { input, item: shape.item };
}

export function checkListFilter(request: ListBillsRequest) {
  const problems = customerIdProblems(request.customerId);
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
