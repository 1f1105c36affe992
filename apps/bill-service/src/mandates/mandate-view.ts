// Mandates and collections to billing.v1 messages. A mandate reaches bill-service in two shapes, a
// read-model row (reads) and the workflow's view (the answer to a control); rows are first turned
// into the workflow's view shapes (MandateView, CollectionView of @billing/mandates), and the views
// become messages in @billing/resources, the one mapping the worker also uses for the data of
// `mandate.*` events.
import { Frequency, MandateStatus, type Collection, type Mandate } from '@billing/contracts';
import { moneyView } from '@billing/bills';
import {
  isFrequency, type CollectionView, type MandateStatus as MandateStatusName, type MandateView,
} from '@billing/mandates';
import { collectionMessage, mandateMessage } from '@billing/resources';
import type { CollectionRow, MandateRow } from './mandates-repository.ts';

/** The status a list filter asks for; undefined for "any". */
export function mandateStatusName(status: MandateStatus): MandateStatusName | undefined {
  const name = MandateStatus[status] as keyof typeof MandateStatus | undefined;
  return name === undefined || name === 'UNSPECIFIED' ? undefined : name;
}

/** The frequency a request names, as the mandate domain spells it; '' for none or an unknown value. */
export function frequencyName(frequency: Frequency): string {
  const name = Frequency[frequency] as string | undefined;
  return name === undefined || name === 'UNSPECIFIED' ? '' : name;
}

export function collectionViewOfRow(row: CollectionRow): CollectionView {
  return {
    cycle: row.cycle,
    dueDate: row.due_date,
    status: row.status,
    attempts: row.attempts,
    amount: moneyView(row.amount_minor, row.currency),
    paymentReference: row.payment_reference,
    failureReason: row.failure_reason,
    collectedAt: row.collected_at?.toISOString() ?? null,
  };
}

/** A stored mandate as its workflow would describe it. */
export function mandateViewOfRow(row: MandateRow, lastCollection: CollectionRow | undefined): MandateView {
  if (!isFrequency(row.frequency)) throw new Error(`mandate ${row.id} has an unknown frequency ${JSON.stringify(row.frequency)}`);
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    description: row.description,
    amount: moneyView(row.amount_minor, row.currency),
    frequency: row.frequency,
    firstCollectionDate: row.first_collection_date,
    endDate: row.end_date,
    timeZone: row.time_zone,
    collectionTime: row.collection_time,
    autoExecution: row.auto_execution,
    reminderDaysBefore: row.reminder_days_before,
    pausedUntil: row.paused_until,
    schedule: row.schedule,
    nextCycle: row.next_cycle,
    collectionsCompleted: row.collections_completed,
    lastCollection: lastCollection === undefined ? null : collectionViewOfRow(lastCollection),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    revision: Number(row.revision),
  };
}

export function collectionMessageOfRow(row: CollectionRow): Collection {
  return collectionMessage(collectionViewOfRow(row));
}

export function mandateMessageOfRow(row: MandateRow, lastCollection: CollectionRow | undefined, upcoming: number): Mandate {
  return mandateMessage(mandateViewOfRow(row, lastCollection), upcoming);
}
