// The invoice documents of a bill being closed: everything they show is read in the closing
// transaction (the bill, its items, the customer's profile, the ledger, the mandates), then
// rendered by @billing/documents. The close stores them in that same transaction.
import { amountDue } from '@billing/ledger';
import { billSums, type DbTransaction } from '@billing/db';
import {
  TEMPLATE_VERSION, renderInvoiceDocuments, type CustomerProfile, type InvoiceInput, type RenderedDocument, type SellerIdentity,
} from '@billing/documents';

/** The development placeholder seller; deployments configure theirs (SELLER_*, @billing/documents/seller). */
export const DEFAULT_SELLER: SellerIdentity = {
  legalName: 'Billing Platform Operator',
  address: { line1: '1 Example Street', city: 'Paris', postalCode: '75001', country: 'FR' },
  taxId: 'FR00000000000',
  electronicAddress: '9957:FR00000000000',
  paymentTermsDays: 30,
};

export interface InvoiceDocuments {
  templateVersion: number;
  documents: RenderedDocument[];
}

export async function invoiceDocuments(input: Omit<InvoiceInput, 'seller'>, seller: SellerIdentity): Promise<InvoiceDocuments> {
  return { templateVersion: TEMPLATE_VERSION, documents: await renderInvoiceDocuments({ ...input, seller }) };
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
const optional = (value: unknown) => (value === null || value === undefined ? undefined : String(value));

/** What the invoice of `billId` shows, read under the closing transaction; `closedAt` is its issue moment. */
export async function invoiceInputOf(trx: DbTransaction, billId: string, closedAt: string): Promise<Omit<InvoiceInput, 'seller'>> {
  const bill = await trx('bills').where({ id: billId }).first() as Record<string, unknown>;
  const items = await trx('line_items').where({ bill_id: billId }).orderBy('seq') as Array<Record<string, unknown>>;
  const customerRow = await trx('customers').where({ id: bill.customer_id }).first() as Record<string, unknown> | undefined;
  const sums = (await billSums(trx, [billId])).get(billId);
  const mandates = await trx('mandates').where({ customer_id: bill.customer_id }).whereIn('status', ['ACTIVE', 'PAUSED', 'PAST_DUE'])
    .orderBy('id').pluck('id') as string[];
  const totalMinor = String(bill.total_minor);
  const customer: CustomerProfile | null = customerRow === undefined ? null : {
    id: String(customerRow.id),
    legalName: String(customerRow.legal_name),
    email: optional(customerRow.email),
    address: (customerRow.address ?? undefined) as CustomerProfile['address'],
    taxId: optional(customerRow.tax_id),
    locale: optional(customerRow.locale),
    electronicAddress: optional(customerRow.electronic_address),
  };
  return {
    bill: {
      id: billId,
      customerId: String(bill.customer_id),
      billingPeriod: String(bill.billing_period),
      currency: String(bill.currency),
      timeZone: String(bill.time_zone),
      periodStart: iso(bill.period_start),
      periodEnd: iso(bill.period_end),
      invoiceNumber: String(bill.invoice_number),
      closedAt,
      totalMinor,
      lines: items.map((item) => ({
        description: String(item.description),
        quantity: String(item.quantity),
        unitPrice: String(item.unit_price),
        currency: String(item.currency),
        amountMinor: String(item.amount_minor),
        convertedMinor: item.converted_minor === null ? null : String(item.converted_minor),
        rate: item.rate === null ? null : String(item.rate),
        rateSource: item.rate_source === null ? null : String(item.rate_source),
        rateAsOf: item.rate_as_of === null ? null : iso(item.rate_as_of),
      })),
    },
    customer,
    // Before the INVOICE entry (a bill that closes at zero has none) nothing is owed or paid.
    ledger: {
      paidMinor: ((sums?.paid ?? 0n) - (sums?.refunded ?? 0n)).toString(),
      amountDueMinor: (sums ? amountDue(sums) : BigInt(totalMinor)).toString(),
    },
    mandateIds: mandates,
  };
}

/** Stores `rendered` as the next version of the bill's invoice; returns that version. */
export async function storeInvoiceDocuments(trx: DbTransaction, billId: string, rendered: InvoiceDocuments): Promise<number> {
  const last = await trx('bill_documents').where({ bill_id: billId, kind: 'invoice' }).max('version as version').first() as { version: number | null };
  const version = (last.version ?? 0) + 1;
  await trx('bill_documents').insert(rendered.documents.map((document) => ({
    bill_id: billId, kind: 'invoice', version, format: document.format, content_type: document.contentType,
    sha256: document.sha256, bytes: document.bytes, template_version: rendered.templateVersion,
  })));
  return version;
}
