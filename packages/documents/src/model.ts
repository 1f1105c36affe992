// The one view model every form of an invoice is rendered from (UBL XML, HTML, PDF). It holds the
// frozen facts of a closed bill, the customer and seller identities and the ledger figures, as
// strings: amounts are decimal strings in major units, never JavaScript numbers.
import { Money } from '@billing/money';

/** Document locales; a customer's preferred locale outside this list renders in English. */
export const DOCUMENT_LOCALES = ['en', 'de', 'fr'] as const;
export type DocumentLocale = (typeof DOCUMENT_LOCALES)[number];

/** Bumped whenever a change to any renderer can change a document's bytes (docs/invoices.md). */
export const TEMPLATE_VERSION = 1;

export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode?: string;
  region?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** The platform operator issuing every invoice: platform configuration, checked at start-up. */
export interface SellerIdentity {
  legalName: string;
  address: PostalAddress;
  /** The seller's VAT or tax identifier, printed on every document. */
  taxId: string;
  /** Company registration number; the legal identifier of the e-invoice (defaults to taxId). */
  registrationId?: string;
  /** Electronic address for e-invoicing, `scheme:id` with an EAS scheme (e.g. `0088:7300010000001`). */
  electronicAddress: string;
  /** PNG bytes of the logo, when configured. */
  logoPng?: Uint8Array;
  paymentTermsDays: number;
  footer?: string;
}

/** A customer's billing profile, when one was stored; bills of customers without one still render. */
export interface CustomerProfile {
  id: string;
  legalName: string;
  email?: string;
  address?: PostalAddress;
  taxId?: string;
  locale?: string;
  /** E-invoicing address `scheme:id` (an EAS scheme, e.g. `0007:5567321707`). */
  electronicAddress?: string;
}

export interface BillLine {
  description: string;
  /** Decimal string. */
  quantity: string;
  /** Decimal string in the line's own currency. */
  unitPrice: string;
  currency: string;
  amountMinor: string;
  /** In the bill's currency, for a line in another currency. */
  convertedMinor: string | null;
  rate: string | null;
  rateSource: string | null;
  /** ISO timestamp. */
  rateAsOf: string | null;
}

export interface ClosedBill {
  id: string;
  customerId: string;
  billingPeriod: string;
  currency: string;
  timeZone: string;
  /** ISO timestamps; periodEnd is exclusive. */
  periodStart: string;
  periodEnd: string;
  invoiceNumber: string;
  closedAt: string;
  totalMinor: string;
  lines: BillLine[];
}

export interface InvoiceInput {
  bill: ClosedBill;
  customer: CustomerProfile | null;
  seller: SellerIdentity;
  /** What the ledger holds for the bill when the document is made. */
  ledger: { paidMinor: string; amountDueMinor: string };
  /** Ids of the customer's payment mandates that collect towards its bills. */
  mandateIds: string[];
}

export interface InvoiceLineView {
  position: number;
  description: string;
  quantity: string;
  unitPrice: string;
  lineCurrency: string;
  /** In the line's own currency. */
  amount: string;
  /** In the bill currency: the amount that counts towards the total. */
  billAmount: string;
  conversion?: { original: string; originalCurrency: string; rate: string; source: string; asOf: string };
}

export interface InvoiceView {
  templateVersion: number;
  locale: DocumentLocale;
  number: string;
  /** Local dates YYYY-MM-DD in the bill's time zone. */
  issueDate: string;
  dueDate: string;
  periodStart: string;
  periodEnd: string;
  timeZone: string;
  currency: string;
  seller: SellerIdentity;
  buyer: { id: string; legalName: string; email?: string; address?: PostalAddress; taxId?: string; electronicAddress?: string };
  lines: InvoiceLineView[];
  /** Sum of line amounts per line currency, in the line currency. */
  subtotals: Array<{ currency: string; amount: string }>;
  total: string;
  paid: string;
  amountDue: string;
  mandateIds: string[];
  billingPeriod: string;
  /** The moment the document was made (the close), used for every date in the files' metadata. */
  issuedAt: string;
  /** Set on a credit note: the invoice it credits and why. */
  creditNote?: { invoiceNumber: string; invoiceIssueDate: string; reason: string };
}

/** A credit note of a closed bill: its own number, date, reason and lines, in the bill's currency. */
export interface CreditNoteInput {
  /** The credited bill (its lines are not used: the credit note's own are). */
  bill: ClosedBill;
  customer: CustomerProfile | null;
  seller: SellerIdentity;
  creditNote: {
    number: string;
    /** ISO timestamp of the issue. */
    issuedAt: string;
    reason: string;
    lines: Array<{ description: string; amountMinor: string }>;
    totalMinor: string;
    /** The part that lowered what the bill owed, and the part given back. */
    appliedMinor: string;
    settledMinor: string;
  };
}

function major(minor: string, code: string): string {
  return Money.fromMinor(BigInt(minor), code).toDecimalString();
}

const localDateFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date of `instant` in `timeZone`. */
export function localDate(instant: string, timeZone: string): string {
  let format = localDateFormats.get(timeZone);
  if (format === undefined) {
    // en-CA formats as YYYY-MM-DD. Making a format is most of the cost of using one: one per time zone.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    localDateFormats.set(timeZone, format);
  }
  return format.format(new Date(instant));
}

/** `date` (YYYY-MM-DD) plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const instant = new Date(`${date}T00:00:00Z`);
  instant.setUTCDate(instant.getUTCDate() + days);
  return instant.toISOString().slice(0, 10);
}

export function documentLocale(preferred: string | undefined): DocumentLocale {
  const language = (preferred ?? 'en').slice(0, 2).toLowerCase();
  return (DOCUMENT_LOCALES as readonly string[]).includes(language) ? language as DocumentLocale : 'en';
}

/** The view model of one closed bill: every figure and date the three forms print. */
export function invoiceView(input: InvoiceInput): InvoiceView {
  const { bill, customer, seller, ledger } = input;
  const issueDate = localDate(bill.closedAt, bill.timeZone);
  const subtotals = new Map<string, bigint>();
  const lines = bill.lines.map((line, index): InvoiceLineView => {
    subtotals.set(line.currency, (subtotals.get(line.currency) ?? 0n) + BigInt(line.amountMinor));
    const converted = line.convertedMinor !== null && line.currency !== bill.currency;
    return {
      position: index + 1,
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineCurrency: line.currency,
      amount: major(line.amountMinor, line.currency),
      billAmount: major(converted ? line.convertedMinor as string : line.amountMinor, bill.currency),
      ...(converted ? {
        conversion: {
          original: major(line.amountMinor, line.currency), originalCurrency: line.currency, rate: line.rate ?? '',
          source: line.rateSource ?? '', asOf: line.rateAsOf === null ? '' : line.rateAsOf.slice(0, 10),
        },
      } : {}),
    };
  });
  return {
    templateVersion: TEMPLATE_VERSION,
    locale: documentLocale(customer?.locale),
    number: bill.invoiceNumber,
    issueDate,
    dueDate: addDays(issueDate, seller.paymentTermsDays),
    periodStart: localDate(bill.periodStart, bill.timeZone),
    periodEnd: localDate(new Date(new Date(bill.periodEnd).getTime() - 1).toISOString(), bill.timeZone),
    timeZone: bill.timeZone,
    currency: bill.currency,
    seller,
    buyer: customer === null ? { id: bill.customerId, legalName: bill.customerId } : {
      id: customer.id, legalName: customer.legalName, email: customer.email, address: customer.address, taxId: customer.taxId,
      electronicAddress: customer.electronicAddress,
    },
    lines,
    subtotals: [...subtotals].sort(([a], [b]) => a.localeCompare(b)).map(([code, minor]) => ({ currency: code, amount: major(minor.toString(), code) })),
    total: major(bill.totalMinor, bill.currency),
    paid: major(ledger.paidMinor, bill.currency),
    amountDue: major(ledger.amountDueMinor, bill.currency),
    mandateIds: [...input.mandateIds].sort(),
    billingPeriod: bill.billingPeriod,
    issuedAt: bill.closedAt,
  };
}

/**
 * The view model of a credit note: the invoice's layout with the credit note's number and issue
 * date, one line per credited amount (quantity 1, in the bill's currency), the credited invoice's
 * number and issue date, and the applied and given-back parts where an invoice shows paid and due.
 */
export function creditNoteView(input: CreditNoteInput): InvoiceView {
  const { bill, creditNote } = input;
  const invoice = invoiceView({ bill: { ...bill, lines: [] }, customer: input.customer, seller: input.seller,
    ledger: { paidMinor: '0', amountDueMinor: '0' }, mandateIds: [] });
  const amount = (minor: string) => major(minor, bill.currency);
  return {
    ...invoice,
    number: creditNote.number,
    issueDate: localDate(creditNote.issuedAt, bill.timeZone),
    // Printed as the credited invoice's date (documentLabels).
    dueDate: invoice.issueDate,
    lines: creditNote.lines.map((line, index) => ({
      position: index + 1, description: line.description, quantity: '1', unitPrice: amount(line.amountMinor), lineCurrency: bill.currency,
      amount: amount(line.amountMinor), billAmount: amount(line.amountMinor),
    })),
    subtotals: [{ currency: bill.currency, amount: amount(creditNote.totalMinor) }],
    total: amount(creditNote.totalMinor),
    paid: amount(creditNote.appliedMinor),
    amountDue: amount(creditNote.settledMinor),
    issuedAt: creditNote.issuedAt,
    creditNote: { invoiceNumber: bill.invoiceNumber, invoiceIssueDate: invoice.issueDate, reason: creditNote.reason },
  };
}
