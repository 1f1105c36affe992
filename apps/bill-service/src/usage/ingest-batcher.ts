// Many small ingest calls (one event per request, say) become few transactions: calls that arrive
// while every flush slot is busy wait and go together in the next flush, up to MAX_FLUSH_EVENTS
// events. An idle batcher flushes a call at once, so batching adds no delay of its own; it only
// stops concurrent callers from paying a transaction (and a commit) each. Each call still gets its
// own answers, in its own order: one transaction carrying events of several callers answers each
// event as if the calls had been sent one after the other.
import type { Db } from '@billing/db';
import { ingestEvents, type IncomingEvent, type IngestOutcome } from './ingest.ts';

/** Events one flush takes at most: a single call's batch (up to 1,000) is never split. */
const MAX_FLUSH_EVENTS = 2_000;

interface Waiting {
  events: readonly IncomingEvent[];
  actingFor: string | null;
  resolve: (outcomes: IngestOutcome[]) => void;
  reject: (error: unknown) => void;
}

export interface IngestBatcher {
  ingest(events: readonly IncomingEvent[], actingFor: string | null): Promise<IngestOutcome[]>;
}

/** `slots`: flushes running at once, each on its own connection; keep it below the pool's size. */
export function ingestBatcher(db: Db, { slots = 4 }: { slots?: number } = {}): IngestBatcher {
  const queue: Waiting[] = [];
  let running = 0;

  async function flush(): Promise<void> {
    running += 1;
    try {
      while (queue.length > 0) {
        const taken: Waiting[] = [];
        let size = 0;
        while (queue.length > 0 && (taken.length === 0 || size + (queue[0] as Waiting).events.length <= MAX_FLUSH_EVENTS)) {
          const next = queue.shift() as Waiting;
          taken.push(next);
          size += next.events.length;
        }
        const events = taken.flatMap((call) => call.events);
        const scopes = taken.flatMap((call) => call.events.map(() => call.actingFor));
        try {
          const outcomes = await ingestEvents(db, events, scopes);
          let at = 0;
          for (const call of taken) {
            call.resolve(outcomes.slice(at, at + call.events.length));
            at += call.events.length;
          }
        } catch (error) {
          for (const call of taken) call.reject(error);
        }
      }
    } finally {
      running -= 1;
    }
  }

  return {
    ingest(events, actingFor) {
      return new Promise((resolve, reject) => {
        queue.push({ events, actingFor, resolve, reject });
        if (running < slots) void flush();
      });
    },
  };
}
