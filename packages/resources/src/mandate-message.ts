// A mandate and its collections (the workflow's view shapes of @billing/mandates) as billing.v1
// messages, in this one place: bill-service answers with them, and the worker maps them on to the
// REST JSON for the data of `mandate.*` events.
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CollectionSchema, CollectionStatus, Frequency, MandateSchema, MandateStatus, MoneySchema, type Collection, type Mandate,
} from '@billing/contracts';
import { upcomingCollections, type CollectionView, type MandateView, type MoneyView } from '@billing/mandates';

function money(view: MoneyView) {
  return create(MoneySchema, { amount: view.amount, currency: view.currency });
}

function timestamp(iso: string) {
  return timestampFromDate(new Date(iso));
}

export function collectionMessage(collection: CollectionView): Collection {
  return create(CollectionSchema, {
    cycle: collection.cycle,
    dueDate: collection.dueDate,
    status: CollectionStatus[collection.status],
    attempts: collection.attempts,
    amount: money(collection.amount),
    paymentReference: collection.paymentReference ?? undefined,
    failureReason: collection.failureReason ?? undefined,
    collectedAt: collection.collectedAt === null ? undefined : timestamp(collection.collectedAt),
  });
}

/** A mandate with its next `upcoming` due dates (none past the end date). */
export function mandateMessage(mandate: MandateView, upcoming: number): Mandate {
  return create(MandateSchema, {
    id: mandate.id,
    customerId: mandate.customerId,
    status: MandateStatus[mandate.status],
    description: mandate.description,
    amount: money(mandate.amount),
    frequency: Frequency[mandate.frequency],
    firstCollectionDate: mandate.firstCollectionDate,
    endDate: mandate.endDate ?? undefined,
    timeZone: mandate.timeZone,
    collectionTime: mandate.collectionTime,
    autoExecution: mandate.autoExecution,
    reminderDaysBefore: mandate.reminderDaysBefore,
    pausedUntil: mandate.pausedUntil ?? undefined,
    nextCollections: upcomingCollections(mandate, upcoming),
    collectionsCompleted: mandate.collectionsCompleted,
    lastCollection: mandate.lastCollection === null ? undefined : collectionMessage(mandate.lastCollection),
    createdAt: timestamp(mandate.createdAt),
    updatedAt: timestamp(mandate.updatedAt),
  });
}
