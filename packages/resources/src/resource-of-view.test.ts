import { describe, expect, it } from 'vitest';
import type { BillSummary } from '@billing/bills';
import type { MandateView } from '@billing/mandates';
import { billResource, collectionResource, lineItemResource, mandateResource } from './resource-of-view.ts';

const bill: BillSummary = {
  id: 'bill_1', customerId: 'cus_1', billingPeriod: '2026-12', currency: 'JPY', timeZone: 'Asia/Tokyo', status: 'OPEN',
  periodStart: '2026-11-30T15:00:00.000Z', periodEnd: '2026-12-31T15:00:00.000Z', itemCount: 2,
  total: { amount: '1200', currency: 'JPY' }, subtotalsByCurrency: [{ amount: '10.50', currency: 'EUR' }, { amount: '0', currency: 'JPY' }],
  invoiceNumber: null, failureReason: null, createdAt: '2026-11-29T06:40:10.101Z', updatedAt: '2026-11-29T06:40:11.202Z', closedAt: null,
};

const mandate: MandateView = {
  id: 'mnd_1', customerId: 'cus_1', status: 'ACTIVE', description: 'Gym', amount: { amount: '30.00', currency: 'EUR' },
  frequency: 'MONTHLY', firstCollectionDate: '2026-01-31', endDate: null, timeZone: 'Europe/Berlin', collectionTime: '09:00',
  autoExecution: true, reminderDaysBefore: 3, pausedUntil: null,
  schedule: { anchor: '2026-01-31', anchorDay: 31, frequency: 'MONTHLY', firstCycle: 1, endDate: null },
  nextCycle: 2, collectionsCompleted: 1,
  lastCollection: {
    cycle: 1, dueDate: '2026-01-31', status: 'SUCCEEDED', attempts: 1, amount: { amount: '30.00', currency: 'EUR' },
    paymentReference: 'sim_1', failureReason: null, collectedAt: '2026-01-31T08:00:01.000Z',
  },
  createdAt: '2026-01-01T10:00:00.000Z', updatedAt: '2026-01-31T08:00:01.000Z', revision: 4,
};

describe('resources from their domain views', () => {
  it('shows a bill with every REST field, absent ones as null, and owing nothing until it is CLOSED', () => {
    expect(billResource(bill, 1200n)).toEqual({
      ...bill, amountDue: { amount: '0', currency: 'JPY' },
    });
    const closed = billResource({ ...bill, status: 'CLOSED', invoiceNumber: 'INV-2026-000001', closedAt: '2026-12-31T15:00:01.000Z' }, 1200n);
    expect(closed).toMatchObject({ status: 'CLOSED', amountDue: { amount: '1200', currency: 'JPY' }, closedAt: '2026-12-31T15:00:01.000Z' });
  });

  it('shows a mandate without the read model\'s bookkeeping and with its next three due dates', () => {
    const shown = mandateResource(mandate);
    expect(shown).not.toHaveProperty('revision');
    expect(shown).not.toHaveProperty('schedule');
    expect(shown).not.toHaveProperty('nextCycle');
    const { revision: _revision, schedule: _schedule, nextCycle: _nextCycle, ...rest } = mandate;
    // Month ends clamp to the last day of shorter months.
    expect(shown).toEqual({ ...rest, nextCollections: ['2026-02-28', '2026-03-31', '2026-04-30'] });
    expect(mandateResource({ ...mandate, status: 'CANCELLED' }).nextCollections).toEqual([]);
  });

  it('shows a collection and a converted line item field for field, nulls included', () => {
    expect(collectionResource({ ...mandate.lastCollection!, status: 'FAILED', paymentReference: null, failureReason: 'card_declined', collectedAt: null }))
      .toEqual({ ...mandate.lastCollection, status: 'FAILED', paymentReference: null, failureReason: 'card_declined', collectedAt: null });
    const item = {
      id: 'li_1', idempotencyKey: 'k1', description: 'Setup ✓', quantity: '1', unitPrice: { amount: '10.50', currency: 'EUR' },
      amount: { amount: '10.50', currency: 'EUR' }, convertedAmount: { amount: '1700', currency: 'JPY' },
      exchangeRate: { rate: '161.9', source: 'ecb', asOf: '2026-11-28T16:00:00.000Z' }, metadata: { order: '7' },
      addedAt: '2026-11-29T06:40:11.002Z',
    };
    expect(lineItemResource(item)).toEqual(item);
    expect(lineItemResource({ ...item, exchangeRate: { ...item.exchangeRate, rateId: 'rate_1' } })).toEqual(item);
  });
});
