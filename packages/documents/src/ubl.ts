// UBL 2.1 Invoice for EN 16931 under the Peppol BIS Billing 3.0 specification (docs/invoices.md).
// Every line is VAT category O, "not subject to VAT", until the platform computes tax: then no
// VAT identifier may appear (BR-O-02), so the seller is identified by its legal registration.
import { Money } from '@billing/money';
import type { InvoiceView, PostalAddress } from './model.ts';

const CUSTOMIZATION_ID = 'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0';
const PROFILE_ID = 'urn:fdc:peppol.eu:2017:poacc:billing:01:1.0';
export const NOT_SUBJECT_TO_VAT = 'Not subject to VAT';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(name: string, value: string | undefined, attributes: Record<string, string> = {}): string {
  if (value === undefined || value === '') return '';
  const attrs = Object.entries(attributes).map(([key, attr]) => ` ${key}="${escapeXml(attr)}"`).join('');
  return `<${name}${attrs}>${escapeXml(value)}</${name}>`;
}

/**
 * EN 16931 allows at most 2 decimals in an amount: a 3-decimal currency's trailing zero is
 * dropped ("2.870" → "2.87"); an amount with a significant third decimal stays exact, and the
 * validators then report it (docs/invoices.md).
 */
export function ublAmount(amount: string): string {
  const [whole, fraction] = amount.split('.');
  if (fraction === undefined || fraction.length <= 2) return amount;
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${trimmed}`;
}

/** `scheme:id` → its parts; a bare value is an e-mail address (EAS scheme EM). */
function endpoint(address: string): { scheme: string; id: string } {
  const separator = address.indexOf(':');
  if (separator > 0 && /^[0-9A-Z]{2,4}$/.test(address.slice(0, separator))) {
    return { scheme: address.slice(0, separator), id: address.slice(separator + 1) };
  }
  return { scheme: 'EM', id: address };
}

function postalAddress(address: PostalAddress): string {
  return '<cac:PostalAddress>' +
    element('cbc:StreetName', address.line1) +
    element('cbc:AdditionalStreetName', address.line2) +
    element('cbc:CityName', address.city) +
    element('cbc:PostalZone', address.postalCode) +
    element('cbc:CountrySubentity', address.region) +
    `<cac:Country>${element('cbc:IdentificationCode', address.country)}</cac:Country>` +
    '</cac:PostalAddress>';
}

const TAX_CATEGORY_O = '<cbc:ID>O</cbc:ID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>';

/**
 * The UBL 2.1 XML of the invoice, UTF-8; of a credit note (`view.creditNote`), a UBL 2.1
 * CreditNote (type 381) referencing the credited invoice (BillingReference, BT-25/BT-26).
 */
export function renderUbl(view: InvoiceView): string {
  const credit = view.creditNote;
  const root = credit ? 'CreditNote' : 'Invoice';
  const lineElement = credit ? 'cac:CreditNoteLine' : 'cac:InvoiceLine';
  const money = (name: string, amount: string) => element(name, ublAmount(amount), { currencyID: view.currency });
  const seller = view.seller;
  const sellerEndpoint = endpoint(seller.electronicAddress);
  // Peppol requires an electronic address for the buyer: its e-mail, else a mailbox of the
  // reserved .invalid domain naming its id, which no one can mistake for a real one (docs/invoices.md).
  const buyerEndpoint = endpoint(view.buyer.electronicAddress ?? view.buyer.email ?? `${view.buyer.id}@customers.invalid`);
  // The buyer's country is required; a customer without a profile is assumed in the seller's.
  const buyerAddress = view.buyer.address ?? { line1: '', city: '', country: seller.address.country };
  // Peppol allows one document note (outside Germany-to-Germany invoices): every remark goes in it.
  const notes = [`${NOT_SUBJECT_TO_VAT}.`];
  if (view.lines.some((line) => line.conversion)) notes.push('Items in other currencies are converted at the locked rate given on each line.');
  if (credit) notes.push(`Credits invoice ${credit.invoiceNumber}: ${credit.reason}.`);
  if (seller.footer) notes.push(seller.footer);
  const paidNonZero = !/^0(\.0+)?$/.test(view.paid);
  const lines = view.lines.map((line) => {
    const conversion = line.conversion;
    // A converted line's price is stated in the bill currency for the whole quantity
    // (BaseQuantity), so quantity × price / base quantity is the line amount exactly.
    const price = conversion
      ? `<cac:Price>${money('cbc:PriceAmount', line.billAmount)}${element('cbc:BaseQuantity', line.quantity, { unitCode: 'C62' })}</cac:Price>`
      : `<cac:Price>${money('cbc:PriceAmount', line.unitPrice)}</cac:Price>`;
    return `<${lineElement}>` +
      element('cbc:ID', String(line.position)) +
      (conversion ? element('cbc:Note',
        `Original amount ${conversion.original} ${conversion.originalCurrency}, rate ${conversion.rate}, ${conversion.source}, as of ${conversion.asOf}`) : '') +
      element(credit ? 'cbc:CreditedQuantity' : 'cbc:InvoicedQuantity', line.quantity, { unitCode: 'C62' }) +
      money('cbc:LineExtensionAmount', line.billAmount) +
      `<cac:Item>${element('cbc:Name', line.description.slice(0, 200))}<cac:ClassifiedTaxCategory>${TAX_CATEGORY_O}</cac:ClassifiedTaxCategory></cac:Item>` +
      price +
      `</${lineElement}>`;
  }).join('\n  ');
  const zero = Money.zero(view.currency).toDecimalString();
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<${root} xmlns="urn:oasis:names:specification:ubl:schema:xsd:${root}-2"` +
    ' xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"' +
    ' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">\n  ' +
    element('cbc:CustomizationID', CUSTOMIZATION_ID) +
    element('cbc:ProfileID', PROFILE_ID) +
    element('cbc:ID', view.number) +
    element('cbc:IssueDate', view.issueDate) +
    // A UBL 2.1 CreditNote has no due date: nothing is due on it.
    (credit ? element('cbc:CreditNoteTypeCode', '381') : element('cbc:DueDate', view.dueDate) + element('cbc:InvoiceTypeCode', '380')) +
    element('cbc:Note', notes.join(' ')) +
    element('cbc:DocumentCurrencyCode', view.currency) +
    element('cbc:BuyerReference', `${view.buyer.id}/${view.billingPeriod}`) +
    `<cac:InvoicePeriod>${element('cbc:StartDate', view.periodStart)}${element('cbc:EndDate', view.periodEnd)}</cac:InvoicePeriod>` +
    (credit ? `<cac:BillingReference><cac:InvoiceDocumentReference>${element('cbc:ID', credit.invoiceNumber)}` +
      `${element('cbc:IssueDate', credit.invoiceIssueDate)}</cac:InvoiceDocumentReference></cac:BillingReference>` : '') +
    view.mandateIds.map((id) => `<cac:ContractDocumentReference>${element('cbc:ID', id)}</cac:ContractDocumentReference>`).slice(0, 1).join('') +
    '\n  <cac:AccountingSupplierParty><cac:Party>' +
    element('cbc:EndpointID', sellerEndpoint.id, { schemeID: sellerEndpoint.scheme }) +
    postalAddress(seller.address) +
    `<cac:PartyLegalEntity>${element('cbc:RegistrationName', seller.legalName)}${element('cbc:CompanyID', seller.registrationId ?? seller.taxId)}</cac:PartyLegalEntity>` +
    '</cac:Party></cac:AccountingSupplierParty>' +
    '\n  <cac:AccountingCustomerParty><cac:Party>' +
    element('cbc:EndpointID', buyerEndpoint.id, { schemeID: buyerEndpoint.scheme }) +
    `<cac:PartyIdentification>${element('cbc:ID', view.buyer.id)}</cac:PartyIdentification>` +
    postalAddress(buyerAddress) +
    `<cac:PartyLegalEntity>${element('cbc:RegistrationName', view.buyer.legalName)}</cac:PartyLegalEntity>` +
    (view.buyer.email ? `<cac:Contact>${element('cbc:ElectronicMail', view.buyer.email)}</cac:Contact>` : '') +
    '</cac:Party></cac:AccountingCustomerParty>' +
    (credit ? '' : `\n  <cac:PaymentTerms>${element('cbc:Note', `Net ${seller.paymentTermsDays} days`)}</cac:PaymentTerms>`) +
    `\n  <cac:TaxTotal>${money('cbc:TaxAmount', zero)}<cac:TaxSubtotal>${money('cbc:TaxableAmount', view.total)}${money('cbc:TaxAmount', zero)}` +
    `<cac:TaxCategory><cbc:ID>O</cbc:ID>${element('cbc:TaxExemptionReason', NOT_SUBJECT_TO_VAT)}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>` +
    '</cac:TaxSubtotal></cac:TaxTotal>' +
    '\n  <cac:LegalMonetaryTotal>' +
    money('cbc:LineExtensionAmount', view.total) +
    money('cbc:TaxExclusiveAmount', view.total) +
    money('cbc:TaxInclusiveAmount', view.total) +
    // A credit note's payable amount is what it credits; an invoice's, what is still due.
    (!credit && paidNonZero ? money('cbc:PrepaidAmount', view.paid) : '') +
    money('cbc:PayableAmount', credit ? view.total : view.amountDue) +
    '</cac:LegalMonetaryTotal>\n  ' +
    lines +
    `\n</${root}>\n`;
}
