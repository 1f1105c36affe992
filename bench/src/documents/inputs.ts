// The bills the documents benchmark renders: 25 and 400 lines, a customer with a full profile, the
// development seller the worker uses by default. Amounts are decimal strings, as the close reads them.
import type { BillLine, InvoiceInput } from '@billing/documents';

export const LINE_COUNTS = [25, 400] as const;
export type LineCount = (typeof LINE_COUNTS)[number];

function line(index: number): BillLine {
  return {
    description: `Service ${index}: seats, storage & API usage for the period`, quantity: '3', unitPrice: '12.34', currency: 'EUR',
    amountMinor: '3702', convertedMinor: null, rate: null, rateSource: null, rateAsOf: null,
  };
}

export function invoiceInput(lines: number): InvoiceInput {
  const items = Array.from({ length: lines }, (_, index) => line(index + 1));
  const total = (3702n * BigInt(lines)).toString();
  return {
    bill: {
      id: `bill_bench_${lines}`, customerId: 'cus_bench', billingPeriod: '2026-11', currency: 'EUR', timeZone: 'Europe/Berlin',
      periodStart: '2026-10-31T23:00:00.000Z', periodEnd: '2026-11-30T23:00:00.000Z', invoiceNumber: 'INV-2026-000042',
      closedAt: '2026-12-01T08:30:00.000Z', totalMinor: total, lines: items,
    },
    customer: {
      id: 'cus_bench', legalName: 'Kunde & Söhne GmbH', email: 'ap@kunde.example', locale: 'de', taxId: 'DE123456789',
      address: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' }, electronicAddress: '9930:DE123456789',
    },
    seller: {
      legalName: 'Billing Platform Operator', address: { line1: '1 Example Street', city: 'Paris', postalCode: '75001', country: 'FR' },
      taxId: 'FR00000000000', electronicAddress: '9957:FR00000000000', paymentTermsDays: 30,
    },
    ledger: { paidMinor: '0', amountDueMinor: total },
    mandateIds: [],
  };
}
