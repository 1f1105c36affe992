import { describe, expect, it } from 'vitest';
import { lineItemView, type StoredLineItemFields } from './line-item-view.ts';

const stored: StoredLineItemFields = {
  id: 'li_1', idempotencyKey: 'k-1', description: 'Seats', quantity: '3', unitPrice: '1.3333', currency: 'EUR',
  amountMinor: '400', convertedMinor: '1162', rate: '2.905', rateSource: 'static', rateAsOf: '2026-01-01T00:00:00.000Z',
  metadata: { plan: 'pro' }, addedAt: '2026-01-02T03:04:05.678Z',
};

describe('lineItemView', () => {
  it('shows a converted item with both amounts in their currencies and the rate it was converted at', () => {
    expect(lineItemView(stored, 'GEL')).toEqual({
      id: 'li_1', idempotencyKey: 'k-1', description: 'Seats', quantity: '3',
      unitPrice: { amount: '1.3333', currency: 'EUR' },
      amount: { amount: '4.00', currency: 'EUR' },
      convertedAmount: { amount: '11.62', currency: 'GEL' },
      exchangeRate: { rate: '2.905', source: 'static', asOf: '2026-01-01T00:00:00.000Z' },
      metadata: { plan: 'pro' },
      addedAt: '2026-01-02T03:04:05.678Z',
    });
  });

  it('shows an item in the bill currency without a conversion', () => {
    const local = { ...stored, currency: 'GEL', convertedMinor: null, rate: null, rateSource: null, rateAsOf: null };
    expect(lineItemView(local, 'GEL')).toMatchObject({ amount: { amount: '4.00', currency: 'GEL' }, convertedAmount: null, exchangeRate: null });
  });

  it('reads times the same whether the driver gave a Date or text', () => {
    const withDates = { ...stored, rateAsOf: new Date(stored.rateAsOf as string), addedAt: new Date(stored.addedAt as string) };
    expect(lineItemView(withDates, 'GEL')).toEqual(lineItemView(stored, 'GEL'));
  });
});
