// Live events for this process's subscribers: one PostgreSQL connection LISTENs for the ids of
// committed events (NOTIFY is sent at commit, in commit order), a batch of ids is read once, and
// each event is handed to the subscribers of its customer. Nothing here is the record of an event:
// the table is. A subscriber's buffer is bounded; one that overflows is told to read from the table
// again, from its last event, so a slow reader costs bounded memory and still misses nothing.
import { EVENTS_CHANNEL, listenToChannels, type ChannelListener, type StoredEvent } from '@billing/db';
import type { Logger } from '@billing/runtime';
import type { EventsRepository } from './events-repository.ts';

/** What a subscriber is handed: the next live event, or word to read from the table again. */
export type FeedItem = StoredEvent | 'resync';

export interface FeedSubscriber {
  /** Waits for the next item; rejects when `signal` aborts. */
  next(signal: AbortSignal): Promise<FeedItem>;
  close(): void;
}

export interface EventFeedOptions {
  url: string;
  logger: Logger;
  /** Live events a subscriber may have waiting before it is sent back to the table. */
  bufferLimit?: number;
  /** Wait before listening again after the connection broke. */
  reconnectDelayMs?: number;
}

class Subscriber implements FeedSubscriber {
  #queue: FeedItem[] = [];
  #wake: (() => void) | undefined;

  readonly customerId: string;
  readonly #limit: number;
  readonly #onClose: (subscriber: Subscriber) => void;

  constructor(customerId: string, limit: number, onClose: (subscriber: Subscriber) => void) {
    this.customerId = customerId;
    this.#limit = limit;
    this.#onClose = onClose;
  }

  push(item: FeedItem): void {
    if (item === 'resync' || this.#queue.length >= this.#limit) this.#queue = ['resync'];
    else this.#queue.push(item);
    this.#wake?.();
  }

  async next(signal: AbortSignal): Promise<FeedItem> {
    while (this.#queue.length === 0) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return this.#queue.shift()!;
  }

  close(): void {
    this.#onClose(this);
  }
}

export function eventFeed(repository: EventsRepository, options: EventFeedOptions) {
  const { url, logger, bufferLimit = 1_000, reconnectDelayMs = 1_000 } = options;
  const subscribers = new Map<string, Set<Subscriber>>();
  let listener: ChannelListener | undefined;
  let pending: string[] = [];
  let delivering = Promise.resolve();

  const everyone = () => [...subscribers.values()].flatMap((set) => [...set]);

  async function deliver(ids: string[]): Promise<void> {
    try {
      const events = await repository.byIds(ids);
      events.sort((a, b) => (a.customerId === b.customerId ? Number(a.seq - b.seq) : a.customerId < b.customerId ? -1 : 1));
      for (const event of events) for (const subscriber of subscribers.get(event.customerId) ?? []) subscriber.push(event);
    } catch (error) {
      // The events are in the table; every subscriber reads them from there once it can.
      logger.warn({ err: error }, 'could not read notified events; subscribers will read the table');
      for (const subscriber of everyone()) subscriber.push('resync');
    }
  }

  function notified(id: string): void {
    if (subscribers.size === 0) return;
    pending.push(id);
    if (pending.length > 1) return;
    // Ids arriving in the same tick are read together; deliveries stay in notification order.
    setImmediate(() => {
      const ids = pending;
      pending = [];
      delivering = delivering.then(() => deliver(ids));
    });
  }

  function ensureListening(): Promise<void> {
    listener ??= listenToChannels({
      url, channels: [EVENTS_CHANNEL], name: 'bill-service-events', logger, reconnectDelayMs,
      onNotification: (_channel, id) => notified(id),
      // Notifications sent while nobody listened are lost: everyone reads the table again.
      onListening: ({ reconnected }) => {
        if (reconnected) for (const subscriber of everyone()) subscriber.push('resync');
      },
    });
    return listener.ready();
  }

  return {
    /** Registers a subscriber of one customer's live events once this process is listening. */
    async subscribe(customerId: string): Promise<FeedSubscriber> {
      await ensureListening();
      const subscriber = new Subscriber(customerId, bufferLimit, (gone) => {
        const set = subscribers.get(gone.customerId);
        set?.delete(gone);
        if (set?.size === 0) subscribers.delete(gone.customerId);
      });
      const set = subscribers.get(customerId) ?? new Set();
      set.add(subscriber);
      subscribers.set(customerId, set);
      return subscriber;
    },

    async close(): Promise<void> {
      await listener?.close();
    },
  };
}

export type EventFeed = ReturnType<typeof eventFeed>;
