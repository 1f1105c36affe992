import type { Event } from '@billing/contracts';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { eventJson as eventResourceJson, serviceBug } from '@billing/resources';
import { pageJson } from './page-json.ts';

// billing.v1 events → the JSON of the public REST contract: the same shape a webhook delivers.

export function eventJson(event: Event) {
  if (event.data === undefined) throw serviceBug('event data');
  if (event.createdAt === undefined) throw serviceBug('createdAt');
  return eventResourceJson({ id: event.id, type: event.type, customerId: event.customerId, createdAt: timestampDate(event.createdAt), data: event.data });
}

export function eventPageJson(page: { events: Event[]; nextCursor?: string }) {
  return pageJson(page.events.map(eventJson), page.nextCursor);
}
