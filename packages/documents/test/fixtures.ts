// Invoice inputs the document tests render: currencies with 0, 2 and 3 decimals, a converted
// item, 1 and 400 lines, the three locales.
import { readFileSync } from 'node:fs';
import type { BillLine, CreditNoteInput, InvoiceInput, SellerIdentity } from '../src/index.ts';

export const SELLER: SellerIdentity = {
  legalName: 'Exemple Facturation SAS',
  address: { line1: '12 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  taxId: 'FR12345678901',
  registrationId: '123 456 789 RCS Paris',
  electronicAddress: '9957:FR12345678901',
  paymentTermsDays: 30,
  footer: 'Exemple Facturation SAS · IBAN FR76 3000 6000 0112 3456 7890 189',
};

function line(index: number, currency: string, amountMinor: string, extra: Partial<BillLine> = {}): BillLine {
  return {
    description: `Service ${index} – seats & usage <${currency}>`, quantity: '1', unitPrice: '', currency, amountMinor,
    convertedMinor: null, rate: null, rateSource: null, rateAsOf: null, ...extra,
  };
}

export interface Fixture {
  name: string;
  input: InvoiceInput;
}

function fixture(name: string, currency: string, lines: BillLine[], options: { locale?: string; paidMinor?: string; profile?: boolean } = {}): Fixture {
  const total = lines.reduce((sum, item) => sum + BigInt(item.convertedMinor ?? item.amountMinor), 0n);
  const paid = BigInt(options.paidMinor ?? '0');
  return {
    name,
    input: {
      bill: {
        id: `bill_${name}`, customerId: 'cus_42', billingPeriod: '2026-11', currency, timeZone: 'Europe/Berlin',
        periodStart: '2026-10-31T23:00:00.000Z', periodEnd: '2026-11-30T23:00:00.000Z',
        invoiceNumber: 'INV-2026-000042', closedAt: '2026-12-01T08:30:00.000Z', totalMinor: total.toString(), lines,
      },
      customer: options.profile === false ? null : {
        id: 'cus_42', legalName: 'Kund & Söhne AB', email: 'billing@kund.example',
        address: { line1: 'Storgatan 2', city: 'Stockholm', postalCode: '111 22', country: 'SE' }, taxId: 'SE556677889901',
        locale: options.locale ?? 'en', electronicAddress: '0007:5567321707',
      },
      seller: SELLER,
      ledger: { paidMinor: paid.toString(), amountDueMinor: (total - paid).toString() },
      mandateIds: ['mnd_0123456789abcdef0123456789abcdef'],
    },
  };
}

/** Amount `minor` with quantity and unit price that multiply to it exactly. */
function priced(index: number, currency: string, quantity: string, unitPrice: string, amountMinor: string): BillLine {
  return { ...line(index, currency, amountMinor), quantity, unitPrice };
}

export const FIXTURES: Fixture[] = [
  fixture('eur-one-line-en', 'EUR', [priced(1, 'EUR', '4', '50.00', '20000')]),
  fixture('jpy-zero-decimals-de', 'JPY', [priced(1, 'JPY', '3', '1200', '3600'), priced(2, 'JPY', '1', '99', '99')], { locale: 'de' }),
  fixture('kwd-three-decimals-fr', 'KWD', [priced(1, 'KWD', '2', '1.250', '2500'), priced(2, 'KWD', '1', '0.370', '370')], { locale: 'fr' }),
  fixture('eur-converted-usd-en', 'EUR', [
    priced(1, 'EUR', '1', '10.00', '1000'),
    { ...priced(2, 'USD', '3', '4.00', '1200'), convertedMinor: '1129', rate: '0.941', rateSource: 'ECB', rateAsOf: '2026-11-30T00:00:00.000Z' },
  ], { paidMinor: '500' }),
  fixture('usd-400-lines-de', 'USD', Array.from({ length: 400 }, (_, index) => priced(index + 1, 'USD', '2', '12.34', '2468')), { locale: 'de' }),
  fixture('gel-no-profile-en', 'GEL', [priced(1, 'GEL', '1.5', '10.00', '1500')], { profile: false }),
];

export interface CreditNoteFixture {
  name: string;
  input: CreditNoteInput;
}

/** Credit notes of fixtures above: per line, partly settled; as a whole; of a 3-decimal currency. */
function creditNote(name: string, of: string, number: string, lines: Array<{ description: string; amountMinor: string }>, appliedMinor: string): CreditNoteFixture {
  const invoice = FIXTURES.find((candidate) => candidate.name === of);
  if (invoice === undefined) throw new Error(`no fixture ${of}`);
  const totalMinor = lines.reduce((sum, line) => sum + BigInt(line.amountMinor), 0n);
  return {
    name,
    input: {
      bill: invoice.input.bill, customer: invoice.input.customer, seller: SELLER,
      creditNote: {
        number, issuedAt: '2026-12-09T10:00:00.000Z', reason: 'Duplicate charge & <refund>', lines, totalMinor: totalMinor.toString(),
        appliedMinor, settledMinor: (totalMinor - BigInt(appliedMinor)).toString(),
      },
    },
  };
}

export const CREDIT_NOTE_FIXTURES: CreditNoteFixture[] = [
  creditNote('cn-eur-converted-lines-en', 'eur-converted-usd-en', 'CN-2026-000001',
    [{ description: 'Service 1', amountMinor: '1000' }, { description: 'Service 2 (converted)', amountMinor: '600' }], '1129'),
  creditNote('cn-jpy-whole-bill-de', 'jpy-zero-decimals-de', 'CN-2026-000002', [{ description: 'Gutschrift', amountMinor: '3699' }], '3699'),
  creditNote('cn-kwd-three-decimals-fr', 'kwd-three-decimals-fr', 'CN-2026-000003', [{ description: 'Service 1', amountMinor: '1250' }], '0'),
];

/**
 * The invoice the page tests look at (reference images, the HTML in Chromium): the converted
 * fixture, which has every part of the page (two currencies, a conversion note, a payment, a
 * mandate), with the seller's logo (test/logo.png), for the customer's locale given.
 */
export function invoiceInLocale(locale: string): InvoiceInput {
  const fixture = FIXTURES.find((candidate) => candidate.name === 'eur-converted-usd-en');
  if (fixture === undefined || fixture.input.customer === null) throw new Error('fixture missing');
  const logoPng = readFileSync(new URL('./logo.png', import.meta.url));
  return { ...fixture.input, seller: { ...SELLER, logoPng }, customer: { ...fixture.input.customer, locale } };
}
