// SQL for the mandate read model. Every write is idempotent and ordered by revision: the workflow
// numbers each state of the mandate, a row only ever moves to a higher revision, so a retried or
// late activity can never put an older state back.
import { recordEvents, type Db } from '@billing/db';
import { dueDateOfCycle, scheduleOf, type CollectionView, type MandateView } from '@billing/mandates';
import { formatLocalDate } from '@billing/calendar';
import { parseMoney } from '@billing/money';
import type { MandateNotification } from './notifications.ts';
import { mandateEvents, mandateTerms, storedMandateState } from './mandate-events.ts';

export interface SkippedCycles {
  fromCycle: number;
  toCycle: number;
}

export interface MandateWrite {
  view: MandateView;
  collections: CollectionView[];
  skipped: SkippedCycles | null;
  workflowId: string;
}

function minor(money: { amount: string; currency: string }): string {
  return parseMoney(money.amount, money.currency).minor.toString();
}

export async function writeMandate(db: Db, write: MandateWrite): Promise<void> {
  const { view } = write;
  await db.transaction(async (trx) => {
    const before = await storedMandateState(trx, view.id, write.collections.map((collection) => collection.cycle));
    const terms = mandateTerms({
      description: view.description, amountMinor: minor(view.amount), currency: view.amount.currency, frequency: view.frequency,
      endDate: view.endDate, pausedUntil: view.pausedUntil, collectionTime: view.collectionTime, autoExecution: view.autoExecution,
      reminderDaysBefore: view.reminderDaysBefore,
    });
    await trx.raw(`
      INSERT INTO mandates (id, customer_id, status, description, amount_minor, currency, frequency, first_collection_date,
        end_date, time_zone, collection_time, auto_execution, reminder_days_before, paused_until, schedule, next_cycle,
        collections_completed, last_collection_cycle, workflow_id, revision, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET
        status = EXCLUDED.status, description = EXCLUDED.description, amount_minor = EXCLUDED.amount_minor,
        currency = EXCLUDED.currency, frequency = EXCLUDED.frequency, end_date = EXCLUDED.end_date,
        paused_until = EXCLUDED.paused_until, schedule = EXCLUDED.schedule, next_cycle = EXCLUDED.next_cycle,
        collections_completed = EXCLUDED.collections_completed, last_collection_cycle = EXCLUDED.last_collection_cycle,
        revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
      WHERE mandates.revision < EXCLUDED.revision`,
    [view.id, view.customerId, view.status, view.description, minor(view.amount), view.amount.currency, view.frequency,
      view.firstCollectionDate, view.endDate, view.timeZone, view.collectionTime, view.autoExecution, view.reminderDaysBefore,
      view.pausedUntil, JSON.stringify(view.schedule), view.nextCycle, view.collectionsCompleted,
      view.lastCollection?.cycle ?? null, write.workflowId, view.revision, view.createdAt, view.updatedAt]);

    for (const collection of write.collections) {
      await trx.raw(`
        INSERT INTO mandate_collections (mandate_id, cycle, due_date, status, attempts, amount_minor, currency,
          payment_reference, failure_reason, collected_at, revision, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (mandate_id, cycle) DO UPDATE SET
          status = EXCLUDED.status, attempts = EXCLUDED.attempts, amount_minor = EXCLUDED.amount_minor,
          currency = EXCLUDED.currency, payment_reference = EXCLUDED.payment_reference,
          failure_reason = EXCLUDED.failure_reason, collected_at = EXCLUDED.collected_at,
          revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
        WHERE mandate_collections.revision < EXCLUDED.revision`,
      [view.id, collection.cycle, collection.dueDate, collection.status, collection.attempts, minor(collection.amount),
        collection.amount.currency, collection.paymentReference, collection.failureReason, collection.collectedAt,
        view.revision, view.updatedAt]);
    }

    if (write.skipped) {
      const schedule = scheduleOf(view.schedule);
      const rows = [];
      for (let cycle = write.skipped.fromCycle; cycle <= write.skipped.toCycle; cycle += 1) {
        rows.push({
          mandate_id: view.id, cycle, due_date: formatLocalDate(dueDateOfCycle(schedule, cycle)), status: 'SKIPPED',
          attempts: 0, amount_minor: minor(view.amount), currency: view.amount.currency, revision: view.revision,
          updated_at: view.updatedAt,
        });
      }
      // Chunks keep one statement's parameters well under PostgreSQL's limit after a long pause.
      for (let start = 0; start < rows.length; start += 1_000) {
        await trx('mandate_collections').insert(rows.slice(start, start + 1_000)).onConflict(['mandate_id', 'cycle']).ignore();
      }
    }
    await recordEvents(trx, mandateEvents(before, view, terms, write.collections));
  });
}

/** Records which bill a collection's line item went on (once: the item is idempotent, so is this). */
export async function setCollectionBill(db: Db, mandateId: string, cycle: number, billId: string): Promise<void> {
  await db('mandate_collections').where({ mandate_id: mandateId, cycle }).whereNull('bill_id').update({ bill_id: billId });
}

/**
 * True when this notification is new (a retried send finds it recorded and sends nothing). A new
 * reminder writes its `mandate.reminder` event in the same transaction.
 */
export async function recordNotification(db: Db, notification: MandateNotification): Promise<boolean> {
  return db.transaction(async (trx) => {
    const inserted = await trx('mandate_notifications')
      .insert({ mandate_id: notification.mandateId, cycle: notification.cycle, kind: notification.kind, sent_at: notification.sentAt })
      .onConflict(['mandate_id', 'cycle', 'kind']).ignore().returning('cycle') as unknown[];
    if (inserted.length === 0) return false;
    await recordEvents(trx, [{ type: 'mandate.reminder', customerId: notification.customerId, data: notification }]);
    return true;
  });
}
