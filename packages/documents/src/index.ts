// Invoice documents: one view model of a closed bill, rendered as UBL 2.1 XML, HTML and
// PDF/A-3b (docs/invoices.md). Pure: no I/O but reading the vendored fonts.
import { createHash } from 'node:crypto';
import { renderHtml } from './html.ts';
import { creditNoteView, invoiceView, type CreditNoteInput, type InvoiceInput, type InvoiceView } from './model.ts';
import { renderPdf } from './pdf.ts';
import { renderUbl } from './ubl.ts';

export {
  DOCUMENT_LOCALES, TEMPLATE_VERSION, addDays, creditNoteView, documentLocale, invoiceView, localDate,
  type BillLine, type ClosedBill, type CreditNoteInput, type CustomerProfile, type DocumentLocale, type InvoiceInput, type InvoiceLineView, type InvoiceView,
  type PostalAddress, type SellerIdentity,
} from './model.ts';
export { formatDate, formatDecimal, formatMoney, fontCovers } from './format.ts';
export { renderHtml } from './html.ts';
export { renderPdf } from './pdf.ts';
export { NOT_SUBJECT_TO_VAT, renderUbl } from './ubl.ts';

export const DOCUMENT_FORMATS = ['pdf', 'html', 'xml'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export const CONTENT_TYPES: Record<DocumentFormat, string> = {
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

export interface RenderedDocument {
  format: DocumentFormat;
  contentType: string;
  bytes: Buffer;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function rendered(format: DocumentFormat, bytes: Buffer): RenderedDocument {
  return { format, contentType: CONTENT_TYPES[format], bytes, sha256: sha256Hex(bytes) };
}

/**
 * Renders at once at most. Rendering is synchronous up to the PDF's last bytes, which pdfkit's
 * stream hands over a turn of the event loop later: callers that start many renders together (the
 * worker runs 100 activities at once) would otherwise draw every document before the first one is
 * handed back, and hold them all in memory together. Two: one being drawn while the other's bytes
 * are collected.
 */
export const RENDERS_AT_ONCE = 2;
let rendering = 0;
const waiting: Array<() => void> = [];

async function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  if (rendering >= RENDERS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  else rendering += 1;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, if any.
    const next = waiting.shift();
    if (next) next();
    else rendering -= 1;
  }
}

async function renderThree(view: InvoiceView): Promise<RenderedDocument[]> {
  const xml = renderUbl(view);
  const html = renderHtml(view);
  const pdf = await renderPdf(view, xml);
  return [rendered('pdf', pdf), rendered('html', Buffer.from(html, 'utf8')), rendered('xml', Buffer.from(xml, 'utf8'))];
}

/** The three forms of one view model; the PDF carries the XML. */
export async function renderViewDocuments(view: InvoiceView): Promise<RenderedDocument[]> {
  return oneOfFew(() => renderThree(view));
}

// The two below build their view model once their turn has come, not while they wait: a view of
// a long bill (every line with its figures already formatted as text) is most of what a
// waiting render would otherwise hold, a hundred times over when the worker starts many closes.

/** The three forms of the invoice of one closed bill. */
export async function renderInvoiceDocuments(input: InvoiceInput): Promise<RenderedDocument[]> {
  return oneOfFew(() => renderThree(invoiceView(input)));
}

/** The three forms of a credit note (the UBL a CreditNote referencing the credited invoice). */
export async function renderCreditNoteDocuments(input: CreditNoteInput): Promise<RenderedDocument[]> {
  return oneOfFew(() => renderThree(creditNoteView(input)));
}
