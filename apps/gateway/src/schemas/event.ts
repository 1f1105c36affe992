import { Type } from 'typebox';
import { EVENT_TYPES } from '@billing/db';
import { Cursor, CustomerId, Limit, NextCursor } from './common.ts';
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

export const Event = Type.Object(
  {
    id: Type.String({ examples: ['evt_0f8e4d2c6b1a49e3a7c5d9b8e2f1a3c4'] }),
    type: EventType,
    customerId: CustomerId,
    createdAt: Rfc3339('When the change the event describes committed'),
    data: Type.Object({}, { additionalProperties: true, description: 'The resource as this API shows it, after the change' }),
  },
  { $id: 'Event', title: 'Event' },
);

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
