import { Type, type TSchema } from 'typebox';
import { EVENT_TYPES, type EventType as EventTypeName } from '@billing/db';
import { LineItem } from './bill.ts';
import { Cursor, CustomerId, Limit, MoneyRef, NextCursor } from './common.ts';
import { Collection, LocalDate, MandateId } from './mandate.ts';
import { Rfc3339 } from './timestamp.ts';

export const EventType = Type.Union(EVENT_TYPES.map((type) => Type.Literal(type)), {
  description: 'What happened (see docs/events.md for each type and its data)',
  errorMessage: `must be one of ${EVENT_TYPES.join(', ')}`,
});

export const EVENT_ID_PATTERN = /^evt_[0-9a-f]{32}$/;

export const EventId = Type.String({
  pattern: EVENT_ID_PATTERN.source,
  description: 'An event id: evt_ and 32 hex digits',
  examples: ['evt_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4'],
  errorMessage: 'must be an event id: evt_ and 32 hex digits',
});

/** The line item of a `bill.item_added` event: the item as the bill's items show it, with its bill. */
export const LineItemAdded = Type.Object(
  { billId: Type.String({ examples: ['bill_5f2c...'] }), ...LineItem.properties },
  { $id: 'LineItemAdded', title: 'LineItemAdded' },
);

/** The collection of a `mandate.collection_*` event, with its mandate. */
export const MandateCollection = Type.Object(
  { mandateId: MandateId, ...Collection.properties },
  { $id: 'MandateCollection', title: 'MandateCollection' },
);

/** The reminder sent before a manual collection (`mandate.reminder`); not a REST resource otherwise. */
export const MandateReminder = Type.Object(
  {
    mandateId: MandateId,
    customerId: CustomerId,
    cycle: Type.Integer({ minimum: 1 }),
    kind: Type.Literal('COLLECTION_REMINDER'),
    dueDate: LocalDate('The due date of the cycle'),
    amount: MoneyRef,
    sentAt: Rfc3339('When the reminder went out'),
  },
  { $id: 'MandateReminder', title: 'MandateReminder' },
);

/** What `data` holds for each event type: the resource as this API shows it, after the change. */
const EVENT_DATA = {
  'bill.created': 'BillSummary',
  'bill.item_added': 'LineItemAdded',
  'bill.closing': 'BillSummary',
  'bill.closed': 'BillSummary',
  'bill.failed': 'BillSummary',
  'mandate.created': 'Mandate',
  'mandate.updated': 'Mandate',
  'mandate.reminder': 'MandateReminder',
  'mandate.collection_succeeded': 'MandateCollection',
  'mandate.collection_failed': 'MandateCollection',
  'mandate.past_due': 'Mandate',
  'mandate.completed': 'Mandate',
  'ledger.entry_posted': 'Entry',
  'credit_note.issued': 'CreditNote',
  'credit_note.voided': 'CreditNote',
  'invoice.finalized': 'InvoiceFinalized',
} as const satisfies Record<EventTypeName, string>;

/** `bill.item_added` → `BillItemAddedEvent`: the component name of one event type's shape. */
function eventSchemaName(type: string): string {
  return `${type.split(/[._]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}Event`;
}

/** One schema per event type, each with its `type` constant and its own `data`. */
export const EVENT_SCHEMAS = EVENT_TYPES.map((type) => Type.Object(
  {
    id: Type.String({ examples: ['evt_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4'] }),
    type: Type.Literal(type),
    customerId: CustomerId,
    createdAt: Rfc3339('When the change the event describes committed'),
    data: { ...Type.Ref(EVENT_DATA[type]), description: 'The resource as this API shows it, after the change' },
  },
  { $id: eventSchemaName(type), title: eventSchemaName(type) },
));

/**
 * An event: one shape per `type`, told apart by it (a discriminator), so a client reading `type`
 * knows the shape of `data`. The same JSON as a webhook delivers and the event stream sends.
 */
export const Event = Type.Unsafe<unknown>({
  $id: 'Event',
  title: 'Event',
  description: 'What happened, to which customer, and the resource after the change; `type` tells which shape `data` has (see docs/events.md)',
  oneOf: EVENT_TYPES.map((type) => Type.Ref(eventSchemaName(type))),
  discriminator: {
    propertyName: 'type',
    mapping: Object.fromEntries(EVENT_TYPES.map((type) => [type, `#/components/schemas/${eventSchemaName(type)}`])),
  },
} as unknown as TSchema);

export const EventPage = Type.Object({ items: Type.Array(Type.Ref('Event')), nextCursor: NextCursor }, { title: 'EventPage' });

export const ListEventsQuery = Type.Object({
  customerId: Type.Optional(CustomerId),
  type: Type.Optional(EventType),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

export const EventParams = Type.Object({ eventId: EventId });

/** Several types, comma-separated, as EventSource URLs carry them. */
export const StreamQuery = Type.Object({
  customerId: CustomerId,
  types: Type.Optional(Type.String({
    maxLength: 1_000,
    pattern: `^(${EVENT_TYPES.map((type) => type.replace('.', '\\.')).join('|')})(,(${EVENT_TYPES.map((type) => type.replace('.', '\\.')).join('|')}))*$`,
    description: 'Only these event types, comma-separated; all when absent',
    examples: ['bill.closed,mandate.collection_failed'],
    errorMessage: 'must be event types separated by commas',
  })),
  lastEventId: Type.Optional({ ...EventId, description: 'Resume right after this event (for clients that cannot send the Last-Event-ID header)' }),
});
