import { expect } from 'vitest';
import { call, type Money } from './bills-api.ts';

// The ledger shapes of the REST API as the system tests read them, and the calls they repeat.

export interface Posting {
  accountId: string;
  direction: 'DEBIT' | 'CREDIT';
  amount: Money;
}

export interface Entry {
  id: string;
  type: string;
  idempotencyKey: string;
  postings: Posting[];
  createdAt: string;
  reference: string | null;
}

export interface Account {
  id: string;
  kind: string;
  currency: string;
  balance: Money;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function walletPath(customerId: string): string {
  return `/v1/customers/${customerId}/wallet`;
}

/** Tops a wallet up and expects the 201. */
export async function topUp(customerId: string, amount: string, currency = 'USD', key?: string): Promise<Entry> {
  const answer = await call<Entry>('POST', `${walletPath(customerId)}/top-ups`, { body: { amount, currency }, key });
  expect(answer.status, answer.text).toBe(201);
  return answer.json;
}

/** The customer's accounts by "kind currency", e.g. "wallet USD" → its balance. */
export async function balances(customerId: string): Promise<Record<string, Money>> {
  const answer = await call<{ items: Account[] }>('GET', `/v1/customers/${customerId}/accounts`);
  expect(answer.status, answer.text).toBe(200);
  return Object.fromEntries(answer.json.items.map((account) => [`${account.kind} ${account.currency}`, account.balance]));
}

/** What one entry moves in one currency: its debits and credits summed as exact integers of the smallest step shown. */
export function sumsOf(entry: Entry): { debits: bigint; credits: bigint } {
  let debits = 0n;
  let credits = 0n;
  for (const posting of entry.postings) {
    const minor = BigInt(posting.amount.amount.replace('.', ''));
    if (posting.direction === 'DEBIT') debits += minor;
    else credits += minor;
  }
  return { debits, credits };
}
