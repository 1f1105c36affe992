// A stored profile as billing.v1.Customer.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { CustomerLocale, CustomerSchema, PostalAddressSchema, type Customer } from '@billing/contracts';
import type { StoredCustomer } from './customers-repository.ts';

const LOCALES: Readonly<Record<string, CustomerLocale>> = { en: CustomerLocale.EN, de: CustomerLocale.DE, fr: CustomerLocale.FR };

const orUndefined = (value: string | null) => value ?? undefined;

export function customerMessage(customer: StoredCustomer): Customer {
  const address = customer.billingAddress;
  return create(CustomerSchema, {
    id: customer.id,
    legalName: customer.legalName,
    email: orUndefined(customer.email),
    billingAddress: address === null ? undefined : create(PostalAddressSchema, {
      line1: address.line1, line2: address.line2 ?? '', city: address.city, postalCode: address.postalCode ?? '',
      region: address.region ?? '', country: address.country,
    }),
    taxId: orUndefined(customer.taxId),
    locale: customer.locale === null ? CustomerLocale.UNSPECIFIED : (LOCALES[customer.locale] ?? CustomerLocale.UNSPECIFIED),
    timeZone: orUndefined(customer.timeZone),
    currency: orUndefined(customer.currency),
    electronicAddress: orUndefined(customer.electronicAddress),
    createdAt: timestampFromDate(customer.createdAt),
    updatedAt: timestampFromDate(customer.updatedAt),
  });
}
