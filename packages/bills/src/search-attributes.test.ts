import { describe, expect, it } from 'vitest';
import {
  billPeriodNumber, openingSearchAttributes, searchableMinor, totalsSearchAttributes,
} from './search-attributes.ts';

describe('billPeriodNumber', () => {
  it('turns a billing period into YYYYMM, so periods compare as numbers', () => {
    expect(billPeriodNumber('2026-12')).toBe(202612);
    expect(billPeriodNumber('2027-01')).toBe(202701);
    expect(billPeriodNumber('2026-12')).toBeLessThan(billPeriodNumber('2027-01'));
  });

  it('refuses what is not a billing period', () => {
    for (const bad of ['2026-13', '2026-1', '202612', '', 'NaN']) expect(() => billPeriodNumber(bad)).toThrow(RangeError);
  });
});

describe('searchableMinor', () => {
  it('is exact up to the largest safe integer', () => {
    expect(searchableMinor('0')).toBe(0);
    expect(searchableMinor('123456')).toBe(123_456);
    expect(searchableMinor('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('indexes a larger total at the ceiling instead of a rounded neighbour', () => {
    expect(searchableMinor('9007199254740993')).toBe(Number.MAX_SAFE_INTEGER);
    expect(searchableMinor('123456789012345678901234567890')).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('bill search attributes', () => {
  it('open a bill with its keys, its period as a number, OPEN, no items and a zero total', () => {
    const pairs = openingSearchAttributes({
      billId: 'bill_1', customerId: 'cust-1', billingPeriod: '2026-12', currency: 'EUR', timeZone: 'UTC',
      createdAt: '2026-12-01T00:00:00.000Z', closeGraceMs: 0,
    });
    expect(Object.fromEntries(pairs.map(({ key, value }) => [key.name, value]))).toEqual({
      BillCustomerId: 'cust-1', BillPeriod: '2026-12', BillPeriodNum: 202612, BillCurrency: 'EUR', BillStatus: 'OPEN',
      BillItemCount: 0, BillTotalMinor: 0,
    });
  });

  it('carry the committed totals as Ints', () => {
    const pairs = totalsSearchAttributes({ itemCount: 3, totalMinor: '100001' });
    expect(pairs.map(({ key, value }) => [key.name, key.type, value])).toEqual([
      ['BillItemCount', 'INT', 3], ['BillTotalMinor', 'INT', 100_001],
    ]);
  });
});
