// The one mapping of a stored event to its billing.v1 message.
import { create } from '@bufbuild/protobuf';
import type { JsonObject } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventSchema, type Event } from '@billing/contracts';
import type { StoredEvent } from '@billing/db';

export function eventMessage(event: StoredEvent): Event {
  return create(EventSchema, {
    id: event.id,
    type: event.type,
    customerId: event.customerId,
    sequence: event.seq,
    createdAt: timestampFromDate(event.createdAt),
    data: event.data as JsonObject,
  });
}
