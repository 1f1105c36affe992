import { Type } from 'typebox';
import {
  COUNTRY_PATTERN, COUNTRY_RULE, ELECTRONIC_ADDRESS_PATTERN, ELECTRONIC_ADDRESS_RULE, EMAIL_MAX_CHARS, EMAIL_PATTERN, EMAIL_RULE,
} from '@billing/text';
import { BillingPeriod } from './bill.ts';
import { CustomerId, Cursor, FreeText, Limit, NextCursor, TimeZoneName } from './common.ts';
import { RequestedCurrencyCode } from './currency-code.ts';
import { Rfc3339 } from './timestamp.ts';

// Customers' billing profiles and their invoice documents as the REST API shows them. The limits
// are bill-service's (apps/bill-service/src/customers/validation.ts), which checks them again.

const Email = Type.String({
  maxLength: EMAIL_MAX_CHARS, pattern: EMAIL_PATTERN, description: 'Where invoices are sent', examples: ['billing@example.com'],
  errorMessage: EMAIL_RULE,
});
const Country = Type.String({ pattern: COUNTRY_PATTERN, description: 'ISO 3166-1 alpha-2', examples: ['DE'], errorMessage: COUNTRY_RULE });
const ElectronicAddress = Type.String({
  maxLength: 105,
  pattern: ELECTRONIC_ADDRESS_PATTERN,
  description: 'The e-invoicing (Peppol) address, `scheme:id` with a 4-digit EAS scheme; without one, the e-invoice names the e-mail address',
  examples: ['0088:7300010000001'],
  errorMessage: ELECTRONIC_ADDRESS_RULE,
});
const Locale = Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('fr')], {
  description: 'The language of the customer\'s invoice documents; English when none', errorMessage: 'must be one of en, de, fr',
});
const LegalName = FreeText('The customer\'s legal name, as its invoices show it', 200, { examples: ['Müller & Söhne GmbH'] });
const TaxId = FreeText('The customer\'s VAT or tax identifier', 50, { examples: ['DE123456789'] });

export const PostalAddressBody = Type.Object(
  {
    line1: FreeText('Street and number', 200),
    line2: Type.Optional(FreeText('A second address line', 200)),
    city: FreeText('City', 100),
    postalCode: Type.Optional(FreeText('Postal code', 20)),
    region: Type.Optional(FreeText('Region, state or province', 100)),
    country: Country,
  },
  { additionalProperties: false, title: 'PostalAddressInput' },
);

const ProfileFields = {
  email: Email,
  billingAddress: PostalAddressBody,
  taxId: TaxId,
  locale: Locale,
  timeZone: TimeZoneName('The customer\'s time zone, the default of its bills'),
  currency: RequestedCurrencyCode('The customer\'s currency, the default of its bills; must be one bills take here'),
  electronicAddress: ElectronicAddress,
};

export const PutCustomerBody = Type.Object(
  {
    legalName: LegalName,
    email: Type.Optional(ProfileFields.email),
    billingAddress: Type.Optional(ProfileFields.billingAddress),
    taxId: Type.Optional(ProfileFields.taxId),
    locale: Type.Optional(ProfileFields.locale),
    timeZone: Type.Optional(ProfileFields.timeZone),
    currency: Type.Optional(ProfileFields.currency),
    electronicAddress: Type.Optional(ProfileFields.electronicAddress),
  },
  {
    additionalProperties: false,
    examples: [{
      legalName: 'Müller & Söhne GmbH', email: 'billing@mueller.example', locale: 'de', timeZone: 'Europe/Berlin', currency: 'EUR',
      billingAddress: { line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' }, taxId: 'DE123456789',
    }],
  },
);

const removable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()], { description: `${(schema as { description?: string }).description ?? ''}; null removes it` }));

export const UpdateCustomerBody = Type.Object(
  {
    legalName: Type.Optional(LegalName),
    email: removable(ProfileFields.email),
    billingAddress: removable(ProfileFields.billingAddress),
    taxId: removable(ProfileFields.taxId),
    locale: removable(ProfileFields.locale),
    timeZone: removable(ProfileFields.timeZone),
    currency: removable(ProfileFields.currency),
    electronicAddress: removable(ProfileFields.electronicAddress),
  },
  { additionalProperties: false, examples: [{ email: 'ap@mueller.example', locale: 'fr' }] },
);

const nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const PostalAddress = Type.Object({
  line1: Type.String(),
  line2: nullable(Type.String(), 'null when none'),
  city: Type.String(),
  postalCode: nullable(Type.String(), 'null when none'),
  region: nullable(Type.String(), 'null when none'),
  country: Type.String({ examples: ['DE'] }),
}, { title: 'PostalAddress' });

export const Customer = Type.Object(
  {
    id: CustomerId,
    legalName: Type.String({ examples: ['Müller & Söhne GmbH'] }),
    email: nullable(Type.String(), 'null when none'),
    billingAddress: nullable(PostalAddress, 'null when none'),
    taxId: nullable(Type.String(), 'null when none'),
    locale: nullable(Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('fr')]), 'null when none (documents are in English)'),
    timeZone: nullable(Type.String(), 'null when none'),
    currency: nullable(Type.String(), 'null when none'),
    electronicAddress: nullable(Type.String(), 'null when none'),
    createdAt: Rfc3339('When the profile was first stored'),
    updatedAt: Rfc3339('When it last changed'),
  },
  { $id: 'Customer', title: 'Customer', description: 'A customer\'s billing profile: who its invoices are addressed to' },
);

export const CustomerPage = Type.Object({ items: Type.Array(Type.Ref('Customer')), nextCursor: NextCursor }, { title: 'CustomerPage' });

export const ListCustomersQuery = Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) });

export const InvoiceParams = Type.Object({ customerId: CustomerId, billingPeriod: BillingPeriod });

const StoredDocument = Type.Object({
  url: Type.String({ description: 'Its path on this API', examples: ['/v1/customers/cus_42/bills/2026-11/invoice.pdf'] }),
  contentType: Type.String({ examples: ['application/pdf'] }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of its bytes, lower-case hex; also its ETag' }),
});

/** The data of an `invoice.finalized` event: the documents stored at close, with where to read them. */
export const InvoiceFinalized = Type.Object(
  {
    billId: Type.String({ examples: ['bill_5f2c...'] }),
    customerId: CustomerId,
    billingPeriod: Type.String({ examples: ['2026-11'] }),
    invoiceNumber: Type.String({ examples: ['INV-2026-000042'] }),
    version: Type.Integer({ minimum: 1, description: 'The documents\' version: 1 for those written at close' }),
    documents: Type.Object({ pdf: StoredDocument, html: StoredDocument, xml: StoredDocument }),
  },
  { $id: 'InvoiceFinalized', title: 'InvoiceFinalized' },
);
