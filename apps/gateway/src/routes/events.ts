import { DEFAULT_PAGE_LIMIT } from '@billing/grpc-kit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Code, ConnectError } from '@connectrpc/connect';
import { callOptionsFor, type ServiceClients } from '../clients.ts';
import { eventJson, eventPageJson } from '../event-json.ts';
import { errorResponses, SERVICE_FAILURES } from '../schemas/error-responses.ts';
import { EVENT_ID_PATTERN, EventPage, EventParams, ListEventsQuery, StreamQuery } from '../schemas/event.ts';

export interface EventsRoutesOptions {
  clients: ServiceClients;
  callTimeoutMs: number;
  /**
   * How long one stream stays open before the gateway ends it; the client reconnects with
   * Last-Event-ID and misses nothing. Bounds the life of every upstream call.
   */
  streamMaxMs: number;
}

const EVENT = { $ref: 'Event' } as const;
/**
 * An event's `data` is stored already in the shape the API shows its resource in and passes through
 * unchanged, as a webhook delivers it: its answers are written with JSON.stringify rather than a
 * serializer compiled from the per-type schemas, which would pick a branch of the `oneOf` by
 * validating every answer, and fail on an event recorded before a field was added.
 */
const AS_STORED = () => (data: unknown) => JSON.stringify(data);
const BAD_INPUT = '`invalid_argument`: a query parameter is malformed; the message and details name it';
const NO_EVENT = '`not_found`: no such event (or it belongs to another customer, or is past its retention)';

/** The event outbox over billing.v1.EventService: lists, one event, and a live Server-Sent Events stream. */
export const eventsRoutes: FastifyPluginAsyncTypebox<EventsRoutesOptions> = async (app, { clients, callTimeoutMs, streamMaxMs }) => {
  const events = clients.events;

  app.get('/v1/events', {
    serializerCompiler: AS_STORED,
    schema: {
      operationId: 'listEvents',
      tags: ['events'],
      summary: 'Events, newest first',
      description: 'A customer key must name its own customer in `customerId`; a platform key may leave it out to list every customer\'s.',
      querystring: ListEventsQuery,
      response: { 200: EventPage, ...errorResponses({ 400: `${BAD_INPUT}; also a cursor this API did not issue`, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const { customerId, type, limit, cursor } = request.query;
    const page = await events.listEvents({
      customerId: customerId ?? '', type: type ?? '', limit: limit ?? DEFAULT_PAGE_LIMIT, cursor: cursor ?? '',
    }, callOptionsFor(request, callTimeoutMs));
    return eventPageJson(page);
  });

  app.get('/v1/events/stream', {
    sse: { kind: 'only' },
    schema: {
      operationId: 'streamEvents',
      tags: ['events'],
      summary: 'A customer\'s events as Server-Sent Events, then live ones as they commit',
      description:
        'text/event-stream: each event as `id:` (the event id), `event:` (its type) and `data:` (its JSON), in the ' +
        'customer\'s order, and a comment line as a heartbeat at least every 15 seconds. With `Last-Event-ID` (header, ' +
        'or the `lastEventId` query parameter) the stream starts right after that event: exactly the events missed, in ' +
        'order, then live ones. Without it, it starts with the oldest event kept. The gateway ends a stream after an hour; ' +
        'reconnecting with the last id received continues it without loss.',
      querystring: StreamQuery,
      response: {
        200: {
          description: 'The event stream',
          // The schema of a text/event-stream body describes one message's `data` (the common reading
          // before OpenAPI 3.2's itemSchema), so generated clients type each message as an Event.
          content: {
            'text/event-stream': {
              schema: {
                $ref: 'Event',
                description: 'Each message: `id:` the event id, `event:` its type, `data:` the Event as JSON; comment lines are heartbeats',
              },
            },
          },
        },
        ...errorResponses({ 400: BAD_INPUT, 404: '`not_found`: the Last-Event-ID is not an event of this customer (or is past its retention)', ...SERVICE_FAILURES }),
      },
    },
  }, async (request, reply) => {
    const { customerId, types, lastEventId } = request.query;
    const after = reply.sse.lastEventId ?? lastEventId ?? '';
    // The resume point is checked before the stream starts, so a bad one is an HTTP error, not a closed stream.
    if (after !== '' && !EVENT_ID_PATTERN.test(after)) {
      throw new ConnectError('Last-Event-ID: must be an event id (evt_ and 32 hex digits)', Code.InvalidArgument);
    }
    if (after !== '') await events.getEvent({ id: after, customerId }, callOptionsFor(request, callTimeoutMs));
    const hangUp = new AbortController();
    reply.sse.onClose(() => hangUp.abort());
    const options = { ...callOptionsFor(request, streamMaxMs), signal: hangUp.signal };
    // Headers go out now, not with the first event, so a client waiting for a rare type sees its
    // 200 (and the heartbeats) at once.
    reply.sse.sendHeaders();
    reply.raw.flushHeaders();
    const stream = events.subscribe({ customerId, types: types?.split(',') ?? [], afterEventId: after }, options);
    await reply.sse.send((async function* sseMessages() {
      try {
        for await (const { event } of stream) {
          if (event !== undefined) yield { id: event.id, event: event.type, data: eventJson(event) };
        }
      } catch (error) {
        // Headers are sent: the stream just ends, and the client resumes from its last id.
        if (!hangUp.signal.aborted) request.log.warn({ err: error }, 'event stream ended by its upstream');
      }
    })());
  });

  app.get('/v1/events/:eventId', {
    serializerCompiler: AS_STORED,
    schema: {
      operationId: 'getEvent',
      tags: ['events'],
      summary: 'One event',
      params: EventParams,
      response: { 200: EVENT, ...errorResponses({ 400: BAD_INPUT, 404: NO_EVENT, ...SERVICE_FAILURES }) },
    },
  }, async (request) => {
    const response = await events.getEvent({
      id: request.params.eventId, customerId: request.caller?.customerId ?? '',
    }, callOptionsFor(request, callTimeoutMs));
    if (response.event === undefined) throw new Error('bill-service answered GetEvent without the event');
    return eventJson(response.event);
  });
};
