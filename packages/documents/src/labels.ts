// The words printed on an invoice, per document locale.
import type { DocumentLocale } from './model.ts';

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
