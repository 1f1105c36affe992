import { Frequency, MandateStatus, type Collection, type Mandate } from '@billing/contracts';
import { collectionJson, mandateJson, serviceBug } from '@billing/resources';
import { enumValue } from './proto-json.ts';
import { pageJson } from './page-json.ts';

// billing.v1 mandates and collections → the JSON of the public REST contract. A mandate and a
// collection are mapped in @billing/resources, the same mapping the data of `mandate.*` events is
// built with; the pages and filters of the mandate routes are here.

export type MandateStatusName = Exclude<keyof typeof MandateStatus, 'UNSPECIFIED'>;
export type FrequencyName = Exclude<keyof typeof Frequency, 'UNSPECIFIED'>;

/** A status the schema has already checked is one of MandateStatusName. */
export function mandateStatusValue(name: string | undefined): MandateStatus {
  return enumValue(MandateStatus, name);
}

/** A frequency the schema has already checked is one of FrequencyName. */
export function frequencyValue(name: string | undefined): Frequency {
  return enumValue(Frequency, name);
}

export function mandatePageJson(page: { mandates: Mandate[]; nextCursor?: string }) {
  return pageJson(page.mandates.map(mandateJson), page.nextCursor);
}

export function collectionPageJson(page: { collections: Collection[]; nextCursor?: string }) {
  return pageJson(page.collections.map(collectionJson), page.nextCursor);
}

/** A mandate (or collection) a service must always send; its absence is the service's bug. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw serviceBug(what);
  return value;
}
