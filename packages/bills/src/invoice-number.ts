// Invoice numbers: `INV-<year>-<six digits>`, gap-free and increasing within a year. The year is
// the year the bill closes (UTC), the way issued invoices are usually numbered: a bill for
// December closed in January belongs to the new year's sequence.
export const INVOICE_NUMBER_PATTERN = /^INV-\d{4}-\d{6,}$/;

export function invoiceNumber(year: number, sequence: number): string {
  return `INV-${year}-${String(sequence).padStart(6, '0')}`;
}
