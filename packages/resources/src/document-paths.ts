// Where the REST API serves the stored documents of a closed bill's invoice and of its credit
// notes: the links `invoice.finalized`, a credit note's JSON and its events carry. The gateway's
// routes are these paths (docs/invoices.md).

export type DocumentFormat = 'pdf' | 'html' | 'xml';

function billPath(customerId: string, billingPeriod: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/bills/${encodeURIComponent(billingPeriod)}`;
}

/** `/v1/customers/{customerId}/bills/{billingPeriod}/invoice.{format}` */
export function invoiceDocumentPath(customerId: string, billingPeriod: string, format: DocumentFormat): string {
  return `${billPath(customerId, billingPeriod)}/invoice.${format}`;
}

/** `/v1/customers/{customerId}/bills/{billingPeriod}/credit-notes/{creditNoteId}/document.{format}` */
export function creditNoteDocumentPath(customerId: string, billingPeriod: string, creditNoteId: string, format: DocumentFormat): string {
  return `${billPath(customerId, billingPeriod)}/credit-notes/${encodeURIComponent(creditNoteId)}/document.${format}`;
}
