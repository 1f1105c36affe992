import type { Event } from '@billing/contracts';
import { requiredTimestamp, serviceBug } from '@billing/resources';

// billing.v1 events → the JSON of the public REST contract, in this one module. `data` is stored
// already in the shape this API shows the resource in, so it passes through unchanged.

export function eventJson(event: Event) {
  if (event.data === undefined) throw serviceBug('event data');
  return {
    id: event.id,
    type: event.type,
    customerId: event.customerId,
    createdAt: requiredTimestamp(event.createdAt, 'createdAt'),
    data: event.data,
  };
}

export function eventPageJson(page: { events: Event[]; nextCursor: string }) {
  return { items: page.events.map(eventJson), nextCursor: page.nextCursor === '' ? null : page.nextCursor };
}
