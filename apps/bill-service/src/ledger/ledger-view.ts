// The one mapping of stored ledger rows to billing.v1 messages. Amounts are exact minor units in
// the database and leave as decimal strings of their currency's or unit's exponent.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  AccountKind, AccountSchema, Direction, EntrySchema, EntryType, MoneySchema, PostingSchema, TrialBalanceLineSchema,
  type Account, type Entry, type Money as MoneyMessage, type TrialBalanceLine,
} from '@billing/contracts';
import { currencyOrUnit, Money, type UnitRegistry } from '@billing/money';
import type { AccountRow, StoredEntry } from './ledger-repository.ts';

const KINDS: Readonly<Record<AccountRow['kind'], AccountKind>> = {
  receivable: AccountKind.RECEIVABLE, wallet: AccountKind.WALLET, revenue: AccountKind.REVENUE,
  cash: AccountKind.CASH, fx: AccountKind.FX, external: AccountKind.EXTERNAL, contrarevenue: AccountKind.CONTRA_REVENUE,
};

export function moneyMessage(minor: string | bigint, code: string, units: UnitRegistry): MoneyMessage {
  const money = Money.fromMinor(BigInt(minor), currencyOrUnit(code, units));
  return create(MoneySchema, { amount: money.toDecimalString(), currency: code });
}

export function entryMessage(entry: StoredEntry, units: UnitRegistry): Entry {
  return create(EntrySchema, {
    id: entry.id,
    type: EntryType[entry.type],
    idempotencyKey: entry.idempotencyKey,
    postings: entry.postings.map((posting) => create(PostingSchema, {
      accountId: posting.accountId,
      direction: Direction[posting.direction],
      amount: moneyMessage(posting.amountMinor, posting.currency, units),
    })),
    createdAt: timestampFromDate(entry.createdAt),
    reference: entry.reference ?? '',
    customerId: entry.customerId ?? '',
  });
}

/**
 * An entry as the REST API shows it (the gateway's entry JSON), for the `ledger.entry_posted`
 * event: events are stored in that shape so every reader sees the resource the same way.
 */
export function entryEventData(entry: StoredEntry, units: UnitRegistry) {
  const money = (minor: string, code: string) => {
    const message = moneyMessage(minor, code, units);
    return { amount: message.amount, currency: message.currency };
  };
  return {
    id: entry.id,
    type: entry.type,
    idempotencyKey: entry.idempotencyKey,
    postings: entry.postings.map((posting) => ({
      accountId: posting.accountId, direction: posting.direction, amount: money(posting.amountMinor, posting.currency),
    })),
    createdAt: entry.createdAt.toISOString(),
    reference: entry.reference,
  };
}

export function accountMessage(row: AccountRow, units: UnitRegistry): Account {
  return create(AccountSchema, {
    id: row.id,
    kind: KINDS[row.kind],
    currency: row.currency,
    balance: moneyMessage(row.balance_minor, row.currency, units),
    customerId: row.customer_id ?? '',
    provider: row.provider ?? '',
  });
}

export function trialBalanceLine(line: { currency: string; debits: string; credits: string }, units: UnitRegistry): TrialBalanceLine {
  return create(TrialBalanceLineSchema, {
    currency: line.currency,
    debits: moneyMessage(line.debits, line.currency, units),
    credits: moneyMessage(line.credits, line.currency, units),
  });
}
