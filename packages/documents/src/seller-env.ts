// The seller printed on every invoice and credit note: the platform operator, from configuration
// (SELLER_*), checked at start-up like every other variable, by the worker (invoices) and
// bill-service (credit notes) alike. A subpath of its own (`@billing/documents/seller`), so the
// renderers stay free of the runtime. The defaults describe a placeholder operator
// for local development; a deployment that issues real invoices sets them all.
import { readFileSync } from 'node:fs';
import { integer, optionalText, parsed, text } from '@billing/runtime';
import { checkFreeText } from '@billing/text';
import type { SellerIdentity } from './model.ts';

function freeText(max: number) {
  return (value: string): string => {
    const checked = checkFreeText(value, { maxChars: max });
    if (!checked.ok) throw new Error(checked.message);
    return checked.text;
  };
}

function country(value: string): string {
  if (!/^[A-Z]{2}$/.test(value)) throw new Error(`must be an ISO 3166-1 alpha-2 country code, got "${value}"`);
  return value;
}

function electronicAddress(value: string): string {
  if (!/^[0-9]{4}:[\x21-\x7e]{1,100}$/.test(value)) throw new Error(`must be "scheme:id" with a 4-digit EAS scheme, got "${value}"`);
  return value;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function logo(path: string): Buffer | undefined {
  if (path === '') return undefined;
  const bytes = readFileSync(path);
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error(`${path} is not a PNG file`);
  return bytes;
}

export function sellerVariables() {
  return {
    SELLER_LEGAL_NAME: parsed('Billing Platform Operator', freeText(200)),
    SELLER_ADDRESS_LINE1: parsed('1 Example Street', freeText(200)),
    SELLER_ADDRESS_LINE2: optionalText(),
    SELLER_CITY: parsed('Paris', freeText(100)),
    SELLER_POSTAL_CODE: text('75001'),
    SELLER_COUNTRY: parsed('FR', country),
    /** The VAT or tax identifier printed on every document. */
    SELLER_TAX_ID: parsed('FR00000000000', freeText(50)),
    /** Company registration number, the legal identifier of the e-invoice (default: the tax id). */
    SELLER_REGISTRATION_ID: optionalText(),
    /** E-invoicing address `scheme:id`, the scheme an EAS code (e.g. 9957 for a French VAT number). */
    SELLER_ELECTRONIC_ADDRESS: parsed('9957:FR00000000000', electronicAddress),
    /** A PNG file printed at the top of each invoice. */
    SELLER_LOGO_PATH: parsed('', logo),
    SELLER_PAYMENT_TERMS_DAYS: integer(30, 0, 365),
    SELLER_INVOICE_FOOTER: optionalText(),
  };
}

export function sellerIdentity(env: {
  SELLER_LEGAL_NAME: string; SELLER_ADDRESS_LINE1: string; SELLER_ADDRESS_LINE2: string | undefined; SELLER_CITY: string;
  SELLER_POSTAL_CODE: string; SELLER_COUNTRY: string; SELLER_TAX_ID: string; SELLER_REGISTRATION_ID: string | undefined;
  SELLER_ELECTRONIC_ADDRESS: string; SELLER_LOGO_PATH: Buffer | undefined; SELLER_PAYMENT_TERMS_DAYS: number;
  SELLER_INVOICE_FOOTER: string | undefined;
}): SellerIdentity {
  return {
    legalName: env.SELLER_LEGAL_NAME,
    address: {
      line1: env.SELLER_ADDRESS_LINE1, line2: env.SELLER_ADDRESS_LINE2, city: env.SELLER_CITY, postalCode: env.SELLER_POSTAL_CODE,
      country: env.SELLER_COUNTRY,
    },
    taxId: env.SELLER_TAX_ID,
    registrationId: env.SELLER_REGISTRATION_ID,
    electronicAddress: env.SELLER_ELECTRONIC_ADDRESS,
    logoPng: env.SELLER_LOGO_PATH,
    paymentTermsDays: env.SELLER_PAYMENT_TERMS_DAYS,
    footer: env.SELLER_INVOICE_FOOTER,
  };
}
