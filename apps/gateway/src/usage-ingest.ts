import type { Client } from '@connectrpc/connect';
import type { IngestResult, UsageEvent, UsageService } from '@billing/contracts';
import { callOptionsFor, type CallingRequest } from './clients.ts';
import { coalescedCalls } from './coalesced-calls.ts';

/** The most events one Ingest call may carry (UsageService refuses more). */
export const MAX_INGEST_EVENTS = 1_000;
/** Requests with at most this many events are coalesced; a larger one is already a batch and goes alone. */
export const COALESCED_UP_TO = 100;

/**
 * `POST /v1/usage-events` with a few events: concurrent requests of one caller share one
 * UsageService Ingest call (coalesced-calls.ts), up to 1,000 events, a request never split. A
 * request with one event costs bill-service a part of one call instead of a call. Each request
 * gets its own events' results, in its order; if the service refuses a coalesced call as a whole
 * for what may be one request's events, each request is sent again alone (events are deduplicated
 * by their transaction id, so sending one again never stores it twice).
 */
export function usageIngester(usage: Client<typeof UsageService>, callTimeoutMs: number) {
  const coalesced = coalescedCalls<UsageEvent[], IngestResult[]>({
    maxBatch: MAX_INGEST_EVENTS,
    sizeOf: (events) => events.length,
    callTimeoutMs,
    alone: async (events, options) => (await usage.ingest({ events }, options)).results,
    together: async (requests, options) => {
      const { results } = await usage.ingest({ events: requests.flat() }, options);
      if (results.length !== requests.reduce((total, events) => total + events.length, 0)) {
        throw new Error('the usage service answered another number of results than events sent');
      }
      let offset = 0;
      return requests.map((events) => {
        offset += events.length;
        return results.slice(offset - events.length, offset);
      });
    },
  });

  return async (events: UsageEvent[], request: CallingRequest, gone: () => boolean): Promise<IngestResult[]> => {
    if (events.length > COALESCED_UP_TO) return (await usage.ingest({ events }, callOptionsFor(request, callTimeoutMs))).results;
    return coalesced(events, request, gone);
  };
}
