// The words printed on an invoice, per document locale.
import type { DocumentLocale, InvoiceView } from './model.ts';

export interface Labels {
  invoice: string;
  number: string;
  issueDate: string;
  dueDate: string;
  period: string;
  seller: string;
  buyer: string;
  customerId: string;
  taxId: string;
  registrationId: string;
  lines: string;
  position: string;
  description: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  converted: (original: string, rate: string, source: string, asOf: string) => string;
  subtotals: string;
  total: string;
  paid: string;
  amountDue: string;
  mandates: string;
  vatCategory: string;
  vatNote: string;
  paymentTerms: (days: number) => string;
  timeZoneNote: (zone: string) => string;
  attachment: string;
}

export const LABELS: Record<DocumentLocale, Labels> = {
  en: {
    invoice: 'Invoice',
    number: 'Invoice number',
    issueDate: 'Issue date',
    dueDate: 'Due date',
    period: 'Billing period',
    seller: 'From',
    buyer: 'Bill to',
    customerId: 'Customer',
    taxId: 'Tax ID',
    registrationId: 'Registration no.',
    lines: 'Items',
    position: 'No.',
    description: 'Description',
    quantity: 'Quantity',
    unitPrice: 'Unit price',
    amount: 'Amount',
    converted: (original, rate, source, asOf) => `Originally ${original}, converted at ${rate} (${source}, ${asOf})`,
    subtotals: 'Subtotals by item currency',
    total: 'Total',
    paid: 'Paid',
    amountDue: 'Amount due',
    mandates: 'Payment mandates',
    vatCategory: 'VAT',
    vatNote: 'Not subject to VAT: no VAT is charged on this invoice.',
    paymentTerms: (days) => `Payment due within ${days} days of the issue date.`,
    timeZoneNote: (zone) => `Dates are in the ${zone} time zone.`,
    attachment: 'The machine-readable invoice (UBL 2.1, EN 16931) is attached to this PDF.',
  },
  de: {
    invoice: 'Rechnung',
    number: 'Rechnungsnummer',
    issueDate: 'Rechnungsdatum',
    dueDate: 'Fällig am',
    period: 'Abrechnungszeitraum',
    seller: 'Von',
    buyer: 'Rechnung an',
    customerId: 'Kunde',
    taxId: 'USt-IdNr.',
    registrationId: 'Registernummer',
    lines: 'Positionen',
    position: 'Pos.',
    description: 'Beschreibung',
    quantity: 'Menge',
    unitPrice: 'Einzelpreis',
    amount: 'Betrag',
    converted: (original, rate, source, asOf) => `Ursprünglich ${original}, umgerechnet zu ${rate} (${source}, ${asOf})`,
    subtotals: 'Zwischensummen je Positionswährung',
    total: 'Gesamtbetrag',
    paid: 'Bezahlt',
    amountDue: 'Offener Betrag',
    mandates: 'Zahlungsmandate',
    vatCategory: 'USt.',
    vatNote: 'Nicht steuerbar: Auf dieser Rechnung wird keine Umsatzsteuer berechnet.',
    paymentTerms: (days) => `Zahlbar innerhalb von ${days} Tagen ab Rechnungsdatum.`,
    timeZoneNote: (zone) => `Datumsangaben in der Zeitzone ${zone}.`,
    attachment: 'Die maschinenlesbare Rechnung (UBL 2.1, EN 16931) ist dieser PDF-Datei beigefügt.',
  },
  fr: {
    invoice: 'Facture',
    number: 'Numéro de facture',
    issueDate: 'Date d’émission',
    dueDate: 'Date d’échéance',
    period: 'Période de facturation',
    seller: 'Émetteur',
    buyer: 'Facturé à',
    customerId: 'Client',
    taxId: 'N° de TVA',
    registrationId: 'N° d’immatriculation',
    lines: 'Lignes',
    position: 'N°',
    description: 'Description',
    quantity: 'Quantité',
    unitPrice: 'Prix unitaire',
    amount: 'Montant',
    converted: (original, rate, source, asOf) => `Montant d’origine ${original}, converti au taux ${rate} (${source}, ${asOf})`,
    subtotals: 'Sous-totaux par devise',
    total: 'Total',
    paid: 'Payé',
    amountDue: 'Montant dû',
    mandates: 'Mandats de paiement',
    vatCategory: 'TVA',
    vatNote: 'Non soumis à la TVA : aucune TVA n’est facturée.',
    paymentTerms: (days) => `Paiement à ${days} jours à compter de la date d’émission.`,
    timeZoneNote: (zone) => `Dates exprimées dans le fuseau horaire ${zone}.`,
    attachment: 'La facture électronique (UBL 2.1, EN 16931) est jointe à ce PDF.',
  },
};

/** What a credit note prints instead of an invoice's words, per locale. */
const CREDIT_NOTE_WORDS: Record<DocumentLocale, {
  creditNote: string; number: string; invoiceDate: string; applied: string; settled: string;
  credits: (invoice: string, reason: string) => string; attachment: string; vatNote: string;
}> = {
  en: {
    creditNote: 'Credit note',
    number: 'Credit note number',
    invoiceDate: 'Date of the credited invoice',
    applied: 'Applied to the amount due',
    settled: 'Given back',
    credits: (invoice, reason) => `This credit note credits invoice ${invoice}. Reason: ${reason}.`,
    attachment: 'The machine-readable credit note (UBL 2.1, EN 16931) is attached to this PDF.',
    vatNote: 'Not subject to VAT: no VAT is credited on this credit note.',
  },
  de: {
    creditNote: 'Gutschrift',
    number: 'Gutschriftnummer',
    invoiceDate: 'Datum der gutgeschriebenen Rechnung',
    applied: 'Mit dem offenen Betrag verrechnet',
    settled: 'Erstattet',
    credits: (invoice, reason) => `Diese Gutschrift bezieht sich auf die Rechnung ${invoice}. Grund: ${reason}.`,
    attachment: 'Die maschinenlesbare Gutschrift (UBL 2.1, EN 16931) ist dieser PDF-Datei beigefügt.',
    vatNote: 'Nicht steuerbar: In dieser Gutschrift wird keine Umsatzsteuer gutgeschrieben.',
  },
  fr: {
    creditNote: 'Avoir',
    number: 'Numéro d’avoir',
    invoiceDate: 'Date de la facture créditée',
    applied: 'Imputé sur le montant dû',
    settled: 'Remboursé',
    credits: (invoice, reason) => `Cet avoir se rapporte à la facture ${invoice}. Motif : ${reason}.`,
    attachment: 'L’avoir électronique (UBL 2.1, EN 16931) est joint à ce PDF.',
    vatNote: 'Non soumis à la TVA : aucune TVA n’est créditée.',
  },
};

/**
 * The words of one document. A credit note reuses the invoice's layout: its title and number,
 * the credited invoice's date where an invoice prints its due date, the part applied to the
 * amount due and the part given back where an invoice prints paid and due, and the credited
 * invoice and reason where an invoice prints its payment terms.
 */
export function documentLabels(view: InvoiceView): Labels {
  const labels = LABELS[view.locale];
  const note = view.creditNote;
  if (!note) return labels;
  const words = CREDIT_NOTE_WORDS[view.locale];
  return {
    ...labels,
    invoice: words.creditNote,
    number: words.number,
    dueDate: words.invoiceDate,
    paid: words.applied,
    amountDue: words.settled,
    paymentTerms: () => words.credits(note.invoiceNumber, note.reason),
    attachment: words.attachment,
    vatNote: words.vatNote,
  };
}
