// One Subscribe call: a customer's events from the table until caught up, then live ones from the
// feed, in sequence order. The feed is joined before the table is read, so an event committed
// while catching up is either read from the table or waiting in the feed; one seen twice is
// skipped by its sequence number, and a gap (an overflowed buffer, a lost notification) sends the
// subscription back to the table.
import type { StoredEvent } from '@billing/db';
import type { EventFeed } from './event-feed.ts';
import type { EventsRepository } from './events-repository.ts';

const PAGE = 500;

export interface SubscriptionRequest {
  customerId: string;
  /** The sequence number of the last event the caller has; 0n for none. */
  afterSeq: bigint;
  /** Only these types; empty for all. */
  types: ReadonlySet<string>;
  signal: AbortSignal;
}

export async function* subscription(repository: EventsRepository, feed: EventFeed, request: SubscriptionRequest): AsyncGenerator<StoredEvent> {
  const { customerId, types, signal } = request;
  const wanted = (event: StoredEvent) => types.size === 0 || types.has(event.type);
  const live = await feed.subscribe(customerId);
  try {
    let last = request.afterSeq;
    for (;;) {
      for (;;) {
        const page = await repository.after(customerId, last, PAGE);
        for (const event of page) {
          last = event.seq;
          if (wanted(event)) yield event;
        }
        if (page.length < PAGE) break;
      }
      for (;;) {
        const next = await live.next(signal);
        if (next === 'resync' || next.seq > last + 1n) break;
        if (next.seq <= last) continue;
        last = next.seq;
        if (wanted(next)) yield next;
      }
    }
  } finally {
    live.close();
  }
}
