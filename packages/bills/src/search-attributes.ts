// The search attributes a bill workflow sets, so `temporal workflow list --query …` finds bills by
// customer, period, status, currency, item count and total. The workflow is the only place that
// sets them (at start, on every status change, and an open bill's totals at most once a minute); these
// functions say what they hold. The same names and types are registered by the dev server
// (packages/devstack) and by compose (infra/temporal/register-search-attributes.sh).
import { defineSearchAttributeKey } from '@temporalio/common';
import type { SearchAttributePair } from '@temporalio/common';
import { parseBillingPeriod } from './period.ts';
import type { BillStatus } from './views.ts';
import type { BillWorkflowInput } from './workflow-input.ts';

export const billSearchAttributes = {
  customerId: defineSearchAttributeKey('BillCustomerId', 'KEYWORD'),
  billingPeriod: defineSearchAttributeKey('BillPeriod', 'KEYWORD'),
  status: defineSearchAttributeKey('BillStatus', 'KEYWORD'),
  currency: defineSearchAttributeKey('BillCurrency', 'KEYWORD'),
  /** `YYYYMM` as a number (202612), for range queries: `BillPeriodNum >= 202601`. */
  periodNumber: defineSearchAttributeKey('BillPeriodNum', 'INT'),
  itemCount: defineSearchAttributeKey('BillItemCount', 'INT'),
  /** The bill-currency total in minor units: `BillTotalMinor > 100000` is over 1,000.00 USD. */
  totalMinor: defineSearchAttributeKey('BillTotalMinor', 'INT'),
};

/** `2026-12` → 202612; throws on anything that is not a billing period. */
export function billPeriodNumber(billingPeriod: string): number {
  const period = parseBillingPeriod(billingPeriod);
  if (!period) throw new RangeError(`billing period ${JSON.stringify(billingPeriod)} is not YYYY-MM`);
  return period.year * 100 + period.month;
}

const LARGEST_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A minor-unit total as the Int a search attribute holds. The SDK takes Int attributes as JS
 * numbers, so the value is converted only where that is exact; a total beyond 2^53 − 1 minor units
 * (90 trillion dollars) is indexed at that ceiling, which still answers every `>` query a person
 * would write. The number is an index key only: totals themselves stay exact strings everywhere.
 */
export function searchableMinor(totalMinor: string): number {
  const minor = BigInt(totalMinor);
  if (minor > LARGEST_EXACT) return Number.MAX_SAFE_INTEGER;
  if (minor < -LARGEST_EXACT) return -Number.MAX_SAFE_INTEGER;
  return Number(minor);
}

/** What a new bill is found by from its start: who, which period, which currency, OPEN and empty. */
export function openingSearchAttributes(input: BillWorkflowInput): SearchAttributePair[] {
  return [
    { key: billSearchAttributes.customerId, value: input.customerId },
    { key: billSearchAttributes.billingPeriod, value: input.billingPeriod },
    { key: billSearchAttributes.periodNumber, value: billPeriodNumber(input.billingPeriod) },
    { key: billSearchAttributes.currency, value: input.currency },
    { key: billSearchAttributes.status, value: 'OPEN' },
    { key: billSearchAttributes.itemCount, value: 0 },
    { key: billSearchAttributes.totalMinor, value: 0 },
  ];
}

export function statusSearchAttributes(status: BillStatus): SearchAttributePair[] {
  return [{ key: billSearchAttributes.status, value: status }];
}

/** The totals the database committed, set by the bill workflow (docs/bills.md, "Search attributes"). */
export function totalsSearchAttributes(totals: { itemCount: number; totalMinor: string }): SearchAttributePair[] {
  return [
    { key: billSearchAttributes.itemCount, value: totals.itemCount },
    { key: billSearchAttributes.totalMinor, value: searchableMinor(totals.totalMinor) },
  ];
}
