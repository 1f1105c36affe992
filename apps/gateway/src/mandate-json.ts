import { CollectionStatus, Frequency, MandateStatus, type Collection, type Mandate } from '@billing/contracts';
import { enumName, enumValue, moneyJson, optionalTimeJson, serviceBug } from './proto-json.ts';
import { requiredTimestamp } from './schemas/timestamp.ts';

// billing.v1 mandates and collections → the JSON of the public REST contract, in this one module.
// Absent optional fields become null, never a missing key.

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

export function collectionJson(collection: Collection) {
  return {
    cycle: collection.cycle,
    dueDate: collection.dueDate,
    status: enumName(CollectionStatus, collection.status, 'collection status'),
    attempts: collection.attempts,
    amount: moneyJson(collection.amount, 'collection amount'),
    paymentReference: collection.paymentReference ?? null,
    failureReason: collection.failureReason ?? null,
    collectedAt: optionalTimeJson(collection.collectedAt),
  };
}

export function mandateJson(mandate: Mandate) {
  return {
    id: mandate.id,
    customerId: mandate.customerId,
    status: enumName(MandateStatus, mandate.status, 'mandate status'),
    description: mandate.description,
    amount: moneyJson(mandate.amount, 'amount'),
    frequency: enumName(Frequency, mandate.frequency, 'frequency'),
    firstCollectionDate: mandate.firstCollectionDate,
    endDate: mandate.endDate ?? null,
    timeZone: mandate.timeZone,
    collectionTime: mandate.collectionTime,
    autoExecution: mandate.autoExecution,
    reminderDaysBefore: mandate.reminderDaysBefore,
    pausedUntil: mandate.pausedUntil ?? null,
    nextCollections: [...mandate.nextCollections],
    collectionsCompleted: mandate.collectionsCompleted,
    lastCollection: mandate.lastCollection === undefined ? null : collectionJson(mandate.lastCollection),
    createdAt: requiredTimestamp(mandate.createdAt, 'createdAt'),
    updatedAt: requiredTimestamp(mandate.updatedAt, 'updatedAt'),
  };
}

export function mandatePageJson(page: { mandates: Mandate[]; nextCursor?: string }) {
  return { items: page.mandates.map(mandateJson), nextCursor: page.nextCursor ?? null };
}

export function collectionPageJson(page: { collections: Collection[]; nextCursor?: string }) {
  return { items: page.collections.map(collectionJson), nextCursor: page.nextCursor ?? null };
}

/** A mandate (or collection) a service must always send; its absence is the service's bug. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw serviceBug(what);
  return value;
}
