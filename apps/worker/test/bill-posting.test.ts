// Where a collection's line item may go, and what it says: pure parts of the bill-posting port
// (the gRPC calls themselves run against a real bill-service in tests/system's mandates chaos test).
import { expect, it } from 'vitest';
import { candidatePeriods, itemDescription } from '../src/mandates/bill-posting.ts';

it('tries the due date\'s period, then the current and next period in the mandate\'s time zone', () => {
  // 23:30 UTC on Jan 31 is already February in Tbilisi.
  const now = new Date('2027-01-31T23:30:00Z');
  expect(candidatePeriods('2026-12-28', now, 'UTC')).toEqual(['2026-12', '2027-01', '2027-02']);
  expect(candidatePeriods('2026-12-28', now, 'Asia/Tbilisi')).toEqual(['2026-12', '2027-02', '2027-03']);
  expect(candidatePeriods('2027-12-05', new Date('2027-12-05T10:00:00Z'), 'UTC')).toEqual(['2027-12', '2028-01']);
});

it('names the mandate, cycle and due date, within the 500 characters an item allows', () => {
  const posting = {
    mandateId: 'mnd_1', customerId: 'c', cycle: 7, dueDate: '2027-01-31', amount: '1.00', currency: 'USD', timeZone: 'UTC',
    idempotencyKey: 'mandate:mnd_1:7',
  };
  expect(itemDescription({ ...posting, description: 'Gym' })).toBe('Gym (mandate mnd_1, cycle 7, due 2027-01-31)');
  const long = itemDescription({ ...posting, description: 'é'.repeat(600) });
  expect([...long]).toHaveLength(500);
});
