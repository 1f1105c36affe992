// The `mandate.*` events of one read-model write, decided by comparing the stored row with the
// state the write brings (inside the write's transaction, so they commit together). A write the
// read model ignores (an older revision) brings no event, so a retried activity says nothing twice.
import type { CollectionView, MandateView } from '@billing/mandates';
import type { DbTransaction, EventType, NewEvent } from '@billing/db';
import { collectionResource, mandateResource } from '@billing/resources';

type MandateEventType = Extract<EventType, `mandate.${string}`>;

/** What the stored mandate was before the write; undefined when the write creates it. */
export interface StoredMandateState {
  status: string;
  revision: number;
  terms: string;
  collections: Map<number, string>;
}

/** The fields a client changes (terms, pause, resume, cancel): a change in them is `mandate.updated`. */
export function mandateTerms(view: {
  description: string; amountMinor: string; currency: string; frequency: string; endDate: string | null;
  pausedUntil: string | null; collectionTime: string; autoExecution: boolean; reminderDaysBefore: number;
}): string {
  return JSON.stringify([view.description, view.amountMinor, view.currency, view.frequency, view.endDate,
    view.pausedUntil, view.collectionTime, view.autoExecution, view.reminderDaysBefore]);
}

/** Reads the state the events compare against, locking the mandate row until the write commits. */
export async function storedMandateState(trx: DbTransaction, mandateId: string, cycles: readonly number[]): Promise<StoredMandateState | undefined> {
  const row = await trx('mandates').where({ id: mandateId }).forUpdate().first() as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const collections = cycles.length === 0 ? [] : await trx('mandate_collections').where({ mandate_id: mandateId })
    .whereIn('cycle', [...cycles]).select('cycle', 'status') as Array<{ cycle: number; status: string }>;
  const date = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : value === null ? null : String(value));
  return {
    status: String(row.status),
    revision: Number(row.revision),
    terms: mandateTerms({
      description: String(row.description), amountMinor: String(row.amount_minor), currency: String(row.currency),
      frequency: String(row.frequency), endDate: date(row.end_date), pausedUntil: date(row.paused_until),
      collectionTime: String(row.collection_time), autoExecution: Boolean(row.auto_execution),
      reminderDaysBefore: Number(row.reminder_days_before),
    }),
    collections: new Map(collections.map((collection) => [Number(collection.cycle), collection.status])),
  };
}

/** The events a write of `view` (whose terms are `terms`) brings to a mandate that was `before`. */
export function mandateEvents(before: StoredMandateState | undefined, view: MandateView, terms: string,
  collections: readonly CollectionView[]): NewEvent[] {
  const event = (type: MandateEventType, data: unknown): NewEvent => ({ type, customerId: view.customerId, data });
  // The mandate and its collections as the REST API shows them, by the same mapping (@billing/resources).
  const mandate = mandateResource(view);
  // bill-service inserts a new mandate at revision 0 so that it reads back at once; the workflow's
  // first write (revision 1) is the mandate's creation either way.
  if (before === undefined || before.revision === 0) return [event('mandate.created', mandate)];
  if (view.revision <= before.revision) return [];
  const events: NewEvent[] = [];
  for (const collection of collections) {
    if (before.collections.get(collection.cycle) === collection.status) continue;
    if (collection.status === 'SUCCEEDED') events.push(event('mandate.collection_succeeded', { mandateId: view.id, ...collectionResource(collection) }));
    if (collection.status === 'FAILED') events.push(event('mandate.collection_failed', { mandateId: view.id, ...collectionResource(collection) }));
  }
  const statusChanged = before.status !== view.status;
  if (statusChanged && view.status === 'PAST_DUE') events.push(event('mandate.past_due', mandate));
  else if (statusChanged && view.status === 'COMPLETED') events.push(event('mandate.completed', mandate));
  else if (statusChanged || before.terms !== terms) events.push(event('mandate.updated', mandate));
  return events;
}

