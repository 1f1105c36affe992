// billing.v1 mandates and collections → the JSON of the public REST contract, in this one place:
// the gateway serves it, and the worker writes it as the data of `mandate.*` events. Absent
// optional fields become null, never a missing key.
import { CollectionStatus, Frequency, MandateStatus, type Collection, type Mandate } from '@billing/contracts';
import { enumName, moneyJson, optionalTimeJson, requiredTimestamp } from './proto-json.ts';

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
