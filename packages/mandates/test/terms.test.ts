import { describe, expect, it } from 'vitest';
import { checkNewMandate, checkTermsChange, type NewMandateInput } from '../src/index.ts';

// 23:30 UTC on Mar 10: already Mar 11 in Tokyo, still Mar 10 in UTC.
const NOW = new Date('2026-03-10T23:30:00Z');

const valid: NewMandateInput = {
  customerId: 'cus_1', description: '  Gym  ', amount: '10.5', currency: 'USD', frequency: 'MONTHLY',
  firstCollectionDate: '2026-03-10', autoExecution: true,
};

function fields(result: ReturnType<typeof checkNewMandate> | ReturnType<typeof checkTermsChange>): string[] {
  return result.ok ? [] : result.problems.map((problem) => problem.field);
}

describe('checkNewMandate', () => {
  it('normalises a valid mandate and applies the defaults', () => {
    expect(checkNewMandate(valid, NOW)).toEqual({
      ok: true,
      value: {
        customerId: 'cus_1', description: 'Gym', amount: '10.50', amountMinor: '1050', currency: 'USD', frequency: 'MONTHLY',
        firstCollectionDate: '2026-03-10', endDate: null, timeZone: 'UTC', collectionTime: '00:00', autoExecution: true,
        reminderDaysBefore: 0,
      },
    });
  });

  it('reads "today" in the mandate\'s time zone', () => {
    expect(fields(checkNewMandate({ ...valid, timeZone: 'Asia/Tokyo' }, NOW))).toEqual(['firstCollectionDate']);
    expect(checkNewMandate({ ...valid, timeZone: 'Asia/Tokyo', firstCollectionDate: '2026-03-11' }, NOW).ok).toBe(true);
  });

  it.each([
    ['amount', { amount: '0' }], ['amount', { amount: '-1' }], ['amount', { amount: 'NaN' }], ['amount', { amount: '1e309' }],
    ['amount', { amount: '1.001' }], ['amount', { currency: 'JPY', amount: '1.5' }], ['currency', { currency: 'XXY' }],
    ['description', { description: ' ' }], ['description', { description: 'x'.repeat(501) }], ['frequency', { frequency: 'HOURLY' }],
    ['firstCollectionDate', { firstCollectionDate: '2026-02-30' }], ['endDate', { endDate: '2026-03-09' }],
    ['timeZone', { timeZone: 'Mars/Olympus' }], ['collectionTime', { collectionTime: '24:00' }],
    ['reminderDaysBefore', { reminderDaysBefore: 31 }], ['reminderDaysBefore', { reminderDaysBefore: 1.5 }],
  ] as const)('names %s when it is wrong (%j)', (field, change) => {
    expect(fields(checkNewMandate({ ...valid, ...change } as NewMandateInput, NOW))).toContain(field);
  });

  it('reports every problem at once', () => {
    expect(fields(checkNewMandate({ ...valid, amount: '0', frequency: 'X', timeZone: 'nowhere' }, NOW)))
      .toEqual(['amount', 'frequency', 'timeZone']);
  });
});

describe('checkTermsChange', () => {
  const mandate = { amount: { amount: '10.50', currency: 'USD' }, firstCollectionDate: '2026-03-10', timeZone: 'UTC' };

  it('normalises a valid change', () => {
    expect(checkTermsChange({ amount: '12.5', description: ' New ', endDate: '2027-01-31' }, NOW, mandate))
      .toEqual({ ok: true, value: { amount: '12.50', description: 'New', endDate: '2027-01-31' } });
    expect(checkTermsChange({ endDate: null }, NOW, mandate)).toEqual({ ok: true, value: { endDate: null } });
  });

  it('refuses an empty change, an end date in the past, and a currency the current amount does not fit', () => {
    expect(fields(checkTermsChange({}, NOW, mandate))).toEqual(['change']);
    expect(fields(checkTermsChange({ endDate: '2026-03-09' }, NOW, mandate))).toEqual(['endDate']);
    expect(fields(checkTermsChange({ currency: 'JPY' }, NOW, mandate))).toEqual(['amount']);
    expect(checkTermsChange({ currency: 'JPY', amount: '1000' }, NOW, mandate).ok).toBe(true);
  });
});
