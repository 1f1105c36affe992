// The work of one load: which items go to which bill, with amounts whose exact sums we know, so
// the read model can be checked afterwards to the minor unit.
import { Money } from '@billing/money';
import type { BenchItem } from './gateway.ts';
import type { LoadResult } from './load.ts';

export interface BillKey {
  customerId: string;
  billingPeriod: string;
}

/** The next calendar month in UTC: open for the whole run, and far from its own close. */
export function nextMonth(now = new Date()): string {
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function billKeys(prefix: string, count: number, billingPeriod: string): BillKey[] {
  return Array.from({ length: count }, (_, index) => ({ customerId: `${prefix}-${index}`, billingPeriod }));
}

/** Amounts from 1.00 to 99.99 USD, varied so a lost or doubled item changes the total. */
function amountMinor(index: number): bigint {
  return BigInt(100 + ((index * 7_919) % 9_900));
}

/** `count` items dealt round-robin over `bills`, each with its own idempotency key. */
export function planItems(label: string, bills: readonly BillKey[], count: number): BenchItem[] {
  return Array.from({ length: count }, (_, index) => {
    const bill = bills[index % bills.length] as BillKey;
    return {
      ...bill,
      idempotencyKey: `${label}-${index}`,
      description: `bench ${label} item ${index}`,
      amount: Money.fromMinor(amountMinor(index), 'USD').toDecimalString(),
    };
  });
}

export interface ExpectedBill {
  key: BillKey;
  itemCount: number;
  total: string;
}

/** What each bill must hold: exactly the items that were answered with success, once each. */
export function expectedBills(items: readonly BenchItem[], result: LoadResult, bills: readonly BillKey[]): ExpectedBill[] {
  const sums = new Map(bills.map((key) => [`${key.customerId}/${key.billingPeriod}`, { key, itemCount: 0, minor: 0n }]));
  for (const index of result.succeededTasks) {
    const item = items[index] as BenchItem;
    const sum = sums.get(`${item.customerId}/${item.billingPeriod}`);
    if (!sum) continue;
    sum.itemCount += 1;
    sum.minor += amountMinor(index);
  }
  return [...sums.values()].map(({ key, itemCount, minor }) => ({
    key, itemCount, total: Money.fromMinor(minor, 'USD').toDecimalString(),
  }));
}
