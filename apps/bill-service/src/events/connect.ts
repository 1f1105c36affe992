// billing.v1.EventService: reads of the outbox and the live Subscribe stream. A caller acting for a
// customer names it in `customerId` (the service-access interceptor holds it to its own), and sees
// only that customer's events.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import {
  GetEventResponseSchema, ListEventsResponseSchema, SubscribeResponseSchema, type EventService,
} from '@billing/contracts';
import { isEventType, type StoredEvent } from '@billing/db';
import { decodeCursor, pageLimit, pageOf, positionParts } from '@billing/grpc-kit';
import { customerIdProblems } from '../customer-id.ts';
import { invalidArgument, type FieldProblem } from '../errors.ts';
import type { EventFeed } from './event-feed.ts';
import { eventMessage } from './event-view.ts';
import type { EventsRepository } from './events-repository.ts';
import { subscription } from './subscription.ts';

export interface EventServiceDeps {
  events: EventsRepository;
  feed: EventFeed;
}

const EVENT_ID = /^evt_[0-9a-f]{32}$/;

function typeProblems(field: string, type: string): FieldProblem[] {
  return isEventType(type) ? [] : [{ field, message: `${JSON.stringify(type.slice(0, 64))} is not an event type` }];
}

function check(problems: FieldProblem[]): void {
  if (problems.length > 0) throw invalidArgument(problems);
}

const EVENTS_LIST = 'events';

/** An events page's position: the outbox position of its last event. */
function eventsPosition([position, ...rest]: string[]): bigint | undefined {
  const counter = rest.length === 0 ? positionParts.counter(position) : undefined;
  return counter === undefined ? undefined : BigInt(counter);
}

export function createEventService({ events, feed }: EventServiceDeps): ServiceImpl<typeof EventService> {
  /** The event a resume id names, which must be the customer's own: another's is as unknown as none. */
  async function resumePoint(customerId: string, afterEventId: string): Promise<bigint> {
    if (afterEventId === '') return 0n;
    check(EVENT_ID.test(afterEventId) ? [] : [{ field: 'afterEventId', message: 'must be an event id (evt_ and 32 hex digits)' }]);
    const after = await events.find(afterEventId);
    if (!after || after.customerId !== customerId) {
      throw new ConnectError(`event ${afterEventId} of customer ${customerId} not found (it may be past its retention)`, Code.NotFound);
    }
    return after.seq;
  }

  return {
    listEvents: async (request) => {
      check([
        ...(request.customerId === '' ? [] : customerIdProblems(request.customerId)),
        ...(request.type === '' ? [] : typeProblems('type', request.type)),
      ]);
      const limit = pageLimit(request.limit);
      const rows = await events.list({
        customerId: request.customerId === '' ? undefined : request.customerId,
        type: request.type === '' ? undefined : request.type,
        beforePosition: decodeCursor(EVENTS_LIST, request.cursor, eventsPosition),
        limit: limit + 1,
      });
      const page = pageOf(EVENTS_LIST, rows, limit, (last) => [last.position.toString()]);
      return create(ListEventsResponseSchema, { events: page.rows.map(eventMessage), nextCursor: page.nextCursor });
    },

    getEvent: async (request) => {
      check(EVENT_ID.test(request.id) ? [] : [{ field: 'id', message: 'must be an event id (evt_ and 32 hex digits)' }]);
      const event = await events.find(request.id);
      if (!event || (request.customerId !== '' && event.customerId !== request.customerId)) {
        throw new ConnectError(`event ${request.id} not found`, Code.NotFound);
      }
      return create(GetEventResponseSchema, { event: eventMessage(event) });
    },

    async *subscribe(request, context) {
      check([
        ...customerIdProblems(request.customerId),
        ...request.types.flatMap((type, index) => typeProblems(`types[${index}]`, type)),
      ]);
      const afterSeq = await resumePoint(request.customerId, request.afterEventId);
      const stream: AsyncGenerator<StoredEvent> = subscription(events, feed, {
        customerId: request.customerId, afterSeq, types: new Set(request.types), signal: context.signal,
      });
      for await (const event of stream) yield create(SubscribeResponseSchema, { event: eventMessage(event) });
    },
  };
}
