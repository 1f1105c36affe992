// An event as the public API shows it (`GET /v1/events/{id}`, the SSE stream) and as a webhook
// delivers it: the one JSON shape of an event, whoever serves it. `data` is stored already in the
// shape the API shows its resource in, so it passes through unchanged.

export interface EventFields {
  id: string;
  type: string;
  customerId: string;
  createdAt: Date;
  data: unknown;
}

export function eventJson(event: EventFields) {
  return { id: event.id, type: event.type, customerId: event.customerId, createdAt: event.createdAt.toISOString(), data: event.data };
}
