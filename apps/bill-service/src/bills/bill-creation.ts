// Which bill a create names, and whether an existing bill is the one a retried create made.
import { createHash, randomUUID } from 'node:crypto';

/**
 * The id of a new bill: derived from the customer, the period and the create's Idempotency-Key
 * when there is one, so that a bill whose row its workflow wrote (before bill-service could write
 * the key beside it) is still known as this create's; random otherwise.
 */
export function billIdFor(customerId: string, billingPeriod: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `bill_${randomUUID().replaceAll('-', '')}`;
  return `bill_${createHash('sha256').update(`${customerId}\n${billingPeriod}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

export interface ExistingBill {
  id: string;
  customer_id: string;
  billing_period: string;
  currency: string;
  time_zone: string;
  create_idempotency_key: string | null;
}

export interface CreateRequest {
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  idempotencyKey?: string;
}

/**
 * True when `bill` is what this create made on an earlier attempt: created with its key (recorded
 * with the bill, or named by it), in the currency and time zone it asks for. A create without a
 * key, or under another key, never is: the period has a bill.
 */
export function isRetryOf(create: CreateRequest, bill: ExistingBill): boolean {
  const key = create.idempotencyKey;
  if (key === undefined) return false;
  const createdWithKey = bill.create_idempotency_key === null
    ? bill.id === billIdFor(create.customerId, create.billingPeriod, key)
    : bill.create_idempotency_key === key;
  return createdWithKey && bill.currency === create.currency && bill.time_zone === create.timeZone;
}
