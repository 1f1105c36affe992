import { CustomerLocale, PostalAddressSchema, type Customer, type PostalAddress } from '@billing/contracts';
import { create } from '@bufbuild/protobuf';
import { requiredTimestamp, serviceBug } from '@billing/resources';
import type { Static } from 'typebox';
import { pageJson } from './page-json.ts';
import type { PostalAddressBody } from './schemas/customer.ts';

// billing.v1 customers ↔ the JSON of the public REST contract, in this one module.

const LOCALES: Partial<Record<CustomerLocale, 'en' | 'de' | 'fr'>> = {
  [CustomerLocale.EN]: 'en',
  [CustomerLocale.DE]: 'de',
  [CustomerLocale.FR]: 'fr',
};

export const LOCALE_VALUES: Readonly<Record<'en' | 'de' | 'fr', CustomerLocale>> = {
  en: CustomerLocale.EN, de: CustomerLocale.DE, fr: CustomerLocale.FR,
};

const orNull = (text: string | undefined) => (text === undefined || text === '' ? null : text);

export function customerJson(customer: Customer | undefined) {
  if (customer === undefined) throw serviceBug('the customer');
  const address = customer.billingAddress;
  return {
    id: customer.id,
    legalName: customer.legalName,
    email: orNull(customer.email),
    billingAddress: address === undefined ? null : {
      line1: address.line1, line2: orNull(address.line2), city: address.city, postalCode: orNull(address.postalCode),
      region: orNull(address.region), country: address.country,
    },
    taxId: orNull(customer.taxId),
    locale: LOCALES[customer.locale] ?? null,
    timeZone: orNull(customer.timeZone),
    currency: orNull(customer.currency),
    electronicAddress: orNull(customer.electronicAddress),
    createdAt: requiredTimestamp(customer.createdAt, 'createdAt'),
    updatedAt: requiredTimestamp(customer.updatedAt, 'updatedAt'),
  };
}

export function customerPageJson(page: { customers: Customer[]; nextCursor?: string }) {
  return pageJson(page.customers.map(customerJson), page.nextCursor);
}

export function postalAddressMessage(address: Static<typeof PostalAddressBody>): PostalAddress {
  return create(PostalAddressSchema, {
    line1: address.line1, line2: address.line2 ?? '', city: address.city, postalCode: address.postalCode ?? '',
    region: address.region ?? '', country: address.country,
  });
}
