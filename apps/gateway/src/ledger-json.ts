import {
  AccountKind, Direction, EntryType, type Account, type Entry, type GetTrialBalanceResponse, type ListEntriesResponse,
} from '@billing/contracts';
import { enumName, moneyJson, requiredTimestamp, serviceBug } from '@billing/resources';
import { enumValue } from './proto-json.ts';
import { pageJson } from './page-json.ts';

// billing.v1 ledger messages → the JSON of the public REST contract, in this one module. Account
// kinds are lower-case words (as clients name them in an adjustment); entry types and posting
// directions keep billing.v1's upper-case names.

export type AdjustableAccount = 'wallet' | 'receivable';
export type AdjustmentDirection = 'credit' | 'debit';

/** An account a client names in an adjustment, as billing.v1 spells it. */
export function accountKindValue(name: AdjustableAccount): AccountKind {
  return enumValue(AccountKind, name.toUpperCase());
}

export function directionValue(name: AdjustmentDirection): Direction {
  return enumValue(Direction, name.toUpperCase());
}

export function accountJson(account: Account) {
  return {
    id: account.id,
    kind: enumName(AccountKind, account.kind, 'account kind').toLowerCase(),
    currency: account.currency,
    balance: moneyJson(account.balance, 'balance'),
  };
}

export function accountListJson(accounts: Account[], nextCursor: string | undefined) {
  return pageJson(accounts.map(accountJson), nextCursor);
}

export function entryJson(entry: Entry) {
  return {
    id: entry.id,
    type: enumName(EntryType, entry.type, 'entry type'),
    idempotencyKey: entry.idempotencyKey,
    postings: entry.postings.map((posting) => ({
      accountId: posting.accountId,
      direction: enumName(Direction, posting.direction, 'posting direction'),
      amount: moneyJson(posting.amount, 'posting amount'),
    })),
    createdAt: requiredTimestamp(entry.createdAt, 'createdAt'),
    reference: entry.reference === '' ? null : entry.reference,
  };
}

export function entryPageJson(page: ListEntriesResponse) {
  return pageJson(page.entries.map(entryJson), page.nextCursor);
}

/** Debits and credits as bare decimal strings: the line's currency says what they are in. */
export function trialBalanceJson(balance: GetTrialBalanceResponse) {
  return {
    items: balance.lines.map((line) => ({
      currency: line.currency,
      debits: moneyJson(line.debits, 'debits').amount,
      credits: moneyJson(line.credits, 'credits').amount,
    })),
  };
}

/** The entry every posting call answers with; its absence is the service's bug. */
export function requiredEntry(entry: Entry | undefined): Entry {
  if (entry === undefined) throw serviceBug('entry');
  return entry;
}
