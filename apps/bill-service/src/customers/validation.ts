// A customer's billing profile as a caller writes it, checked field by field: the same rules the
// gateway's schemas state, so a call that bypasses the gateway meets them too.
import { isValidTimeZone } from '@billing/bills';
import { CustomerLocale, InvoiceDocumentFormat, type CustomerFields, type PostalAddress } from '@billing/contracts';
import { isCurrency } from '@billing/money';
import {
  COUNTRY_RULE, ELECTRONIC_ADDRESS_RULE, EMAIL_RULE, checkFreeText, isCountryCode, isElectronicAddress, isEmail,
} from '@billing/text';
import { billCurrencyProblems, withPolicyProblems, type BillCurrencyPolicy } from '../bill-currencies.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';
import type { ProfileAddress, ProfileChanges, ProfileFields } from './customers-repository.ts';

export const LEGAL_NAME_MAX_CHARS = 200;
export const ADDRESS_LINE_MAX_CHARS = 200;
export const CITY_MAX_CHARS = 100;
export const POSTAL_CODE_MAX_CHARS = 20;
export const REGION_MAX_CHARS = 100;
export const TAX_ID_MAX_CHARS = 50;

export const LOCALE_CODES: Readonly<Record<Exclude<CustomerLocale, CustomerLocale.UNSPECIFIED>, string>> = {
  [CustomerLocale.EN]: 'en',
  [CustomerLocale.DE]: 'de',
  [CustomerLocale.FR]: 'fr',
};

export const FORMAT_NAMES: Readonly<Record<Exclude<InvoiceDocumentFormat, InvoiceDocumentFormat.UNSPECIFIED>, 'pdf' | 'html' | 'xml'>> = {
  [InvoiceDocumentFormat.PDF]: 'pdf',
  [InvoiceDocumentFormat.HTML]: 'html',
  [InvoiceDocumentFormat.XML]: 'xml',
};

export function check(problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument([...problems]);
}

/** Free text, trimmed; `optional`: the empty string means "none" (null). */
function freeText(field: string, value: string, maxChars: number, problems: FieldProblem[], optional = false): string | null {
  const checked = checkFreeText(value, { maxChars, optional });
  if (!checked.ok) {
    problems.push({ field, message: checked.message });
    return null;
  }
  return checked.text === '' ? null : checked.text;
}

function address(field: string, value: PostalAddress, problems: FieldProblem[]): ProfileAddress {
  const line1 = freeText(`${field}.line1`, value.line1, ADDRESS_LINE_MAX_CHARS, problems) ?? '';
  const line2 = freeText(`${field}.line2`, value.line2, ADDRESS_LINE_MAX_CHARS, problems, true);
  const city = freeText(`${field}.city`, value.city, CITY_MAX_CHARS, problems) ?? '';
  const postalCode = freeText(`${field}.postalCode`, value.postalCode, POSTAL_CODE_MAX_CHARS, problems, true);
  const region = freeText(`${field}.region`, value.region, REGION_MAX_CHARS, problems, true);
  if (!isCountryCode(value.country)) problems.push({ field: `${field}.country`, message: COUNTRY_RULE });
  return {
    line1, city, country: value.country,
    ...(line2 === null ? {} : { line2 }), ...(postalCode === null ? {} : { postalCode }), ...(region === null ? {} : { region }),
  };
}

/** Each optional field: undefined (not sent) stays undefined, '' is null (none), else its checked value. */
function optionalField(value: string | undefined, read: (value: string) => string | null): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  return read(value);
}

function machineField(field: string, ok: (value: string) => boolean, rule: string, problems: FieldProblem[]) {
  return (value: string): string | null => {
    if (ok(value)) return value;
    problems.push({ field, message: rule });
    return null;
  };
}

interface OptionalFields {
  email?: string;
  taxId?: string;
  timeZone?: string;
  currency?: string;
  electronicAddress?: string;
}

function optionalFields(request: OptionalFields, currencies: BillCurrencyPolicy, problems: FieldProblem[]) {
  const shape: FieldProblem[] = [];
  const email = optionalField(request.email, machineField('email', isEmail, EMAIL_RULE, shape));
  const taxId = optionalField(request.taxId, (value) => freeText('taxId', value, TAX_ID_MAX_CHARS, shape));
  const timeZone = optionalField(request.timeZone, machineField('timeZone', isValidTimeZone,
    'must be an IANA time zone name known to the server, such as Europe/Berlin', shape));
  const currency = optionalField(request.currency, machineField('currency', isCurrency, 'must be an ISO 4217 currency code such as EUR', shape));
  const electronicAddress = optionalField(request.electronicAddress,
    machineField('electronicAddress', isElectronicAddress, ELECTRONIC_ADDRESS_RULE, shape));
  // The profile's currency is the default of its bills: the bills' own policy decides which are taken.
  const policy = typeof currency === 'string' ? billCurrencyProblems('currency', currency, currencies, 'bills') : [];
  problems.push(...withPolicyProblems(shape, policy));
  return { email, taxId, timeZone, currency, electronicAddress };
}

/** A whole profile (PutCustomer): every field not sent is none. */
export function checkProfile(fields: CustomerFields | undefined, currencies: BillCurrencyPolicy): ProfileFields {
  const problems: FieldProblem[] = [];
  if (fields === undefined) check([{ field: 'fields', message: 'is required' }]);
  const given = fields as CustomerFields;
  const legalName = freeText('legalName', given.legalName, LEGAL_NAME_MAX_CHARS, problems) ?? '';
  const billingAddress = given.billingAddress === undefined ? null : address('billingAddress', given.billingAddress, problems);
  const optional = optionalFields(given, currencies, problems);
  check(problems);
  return {
    legalName,
    billingAddress,
    email: optional.email ?? null,
    taxId: optional.taxId ?? null,
    locale: given.locale === CustomerLocale.UNSPECIFIED ? null : localeCode(given.locale, problems),
    timeZone: optional.timeZone ?? null,
    currency: optional.currency ?? null,
    electronicAddress: optional.electronicAddress ?? null,
  };
}

function localeCode(locale: CustomerLocale, problems: FieldProblem[]): string | null {
  const code = LOCALE_CODES[locale as keyof typeof LOCALE_CODES] as string | undefined;
  if (code === undefined) {
    problems.push({ field: 'locale', message: 'must be one of en, de, fr' });
    check(problems);
  }
  return code ?? null;
}

export interface ProfileUpdate {
  legalName?: string;
  email?: string;
  billingAddress?: PostalAddress;
  removeBillingAddress: boolean;
  taxId?: string;
  locale: CustomerLocale;
  removeLocale: boolean;
  timeZone?: string;
  currency?: string;
  electronicAddress?: string;
}

/** The changes of an UpdateCustomer: only the fields that are set; null removes one. */
export function checkProfileChanges(request: ProfileUpdate, currencies: BillCurrencyPolicy): ProfileChanges {
  const problems: FieldProblem[] = [];
  const changes: ProfileChanges = {};
  if (request.legalName !== undefined) changes.legalName = freeText('legalName', request.legalName, LEGAL_NAME_MAX_CHARS, problems) ?? '';
  if (request.billingAddress !== undefined && request.removeBillingAddress) {
    problems.push({ field: 'removeBillingAddress', message: 'cannot be set with a billingAddress' });
  } else if (request.billingAddress !== undefined) {
    changes.billingAddress = address('billingAddress', request.billingAddress, problems);
  } else if (request.removeBillingAddress) {
    changes.billingAddress = null;
  }
  if (request.locale !== CustomerLocale.UNSPECIFIED && request.removeLocale) {
    problems.push({ field: 'removeLocale', message: 'cannot be set with a locale' });
  } else if (request.locale !== CustomerLocale.UNSPECIFIED) {
    changes.locale = localeCode(request.locale, problems);
  } else if (request.removeLocale) {
    changes.locale = null;
  }
  const optional = optionalFields(request, currencies, problems);
  for (const key of ['email', 'taxId', 'timeZone', 'currency', 'electronicAddress'] as const) {
    if (optional[key] !== undefined) changes[key] = optional[key];
  }
  check(problems);
  return changes;
}
