import { Code, ConnectError, type Client } from '@connectrpc/connect';
import type { IngestResult, UsageEvent, UsageService } from '@billing/contracts';
import { createBatcher } from '@billing/runtime';
import { callOptions, callOptionsFor, type CallingRequest } from './clients.ts';

/** The most events one Ingest call may carry (UsageService refuses more). */
export const MAX_INGEST_EVENTS = 1_000;
/** Requests with at most this many events are coalesced; a larger one is already a batch and goes alone. */
export const COALESCED_UP_TO = 100;
/** Coalesced Ingest calls under way at once for one caller; a second starts only with a full batch waiting. */
const CALLS_IN_FLIGHT = 4;

interface Pending {
  events: UsageEvent[];
  request: CallingRequest;
  /** Whether the client has gone away (checked when the batch leaves, so no listener per request). */
  gone: () => boolean;
  /** performance.now() by which this request's call must be answered. */
  deadline: number;
}

/**
 * The codes that say nothing about the events themselves: the service was not heard, the time
 * ran out, or it was too busy. Every request of a coalesced call failing so would have failed
 * the same way on its own, so they all get it. Any other failure may be about one request's
 * events, and the call is sent again one request at a time, so each gets its own answer.
 */
const NOT_ABOUT_THE_EVENTS = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.ResourceExhausted]);

/**
 * `POST /v1/usage-events` with a few events: concurrent requests of one caller share one
 * UsageService Ingest call (the runtime batcher: a lone request leaves at once; requests that
 * arrive while calls are under way wait for one to finish and leave together, up to 1,000
 * events). A request with one event costs bill-service a part of one call instead of a call.
 *
 * Each request gets exactly its own events' results, in its order. A request whose client went
 * away or whose deadline passed while it waited is not sent; a coalesced call's deadline is the
 * earliest of its requests', so none is answered later than it would have been alone. Only
 * requests of the same caller (API key and customer) share a call, since the service checks
 * the events against the caller; the call carries the first request's id.
 */
export function usageIngester(usage: Client<typeof UsageService>, callTimeoutMs: number) {
  const call = async (pending: readonly Pending[]): Promise<IngestResult[][]> => {
    const first = pending[0] as Pending;
    const deadline = Math.min(...pending.map((one) => one.deadline));
    const options = callOptions(first.request.caller, first.request.id, Math.max(1, Math.ceil(deadline - performance.now())));
    const { results } = await usage.ingest({ events: pending.flatMap((one) => one.events) }, options);
    const answers: IngestResult[][] = [];
    let offset = 0;
    for (const one of pending) {
      answers.push(results.slice(offset, offset + one.events.length));
      offset += one.events.length;
    }
    if (offset !== results.length || answers.some((answer, index) => answer.length !== pending[index]?.events.length)) {
      throw new ConnectError('usage service answered another number of results than events sent', Code.Internal);
    }
    return answers;
  };

  const batcher = createBatcher<string, Pending, IngestResult[] | ConnectError>(
    (key) => key,
    async (_key, batch) => {
      // Whoever left or ran out of time while waiting is answered so, and not sent.
      const now = performance.now();
      const answers: Array<IngestResult[] | ConnectError | undefined> = batch.map((one) => {
        if (one.gone()) return new ConnectError('the client closed the request', Code.Canceled);
        if (one.deadline <= now) return new ConnectError('the operation timed out', Code.DeadlineExceeded);
        return undefined;
      });
      const live = batch.filter((_, index) => answers[index] === undefined);
      if (live.length > 0) {
        let results: Array<IngestResult[] | ConnectError>;
        try {
          results = await call(live);
        } catch (error) {
          const failure = ConnectError.from(error);
          if (live.length === 1 || NOT_ABOUT_THE_EVENTS.has(failure.code)) results = live.map(() => failure);
          else results = await Promise.all(live.map((one) => call([one]).then((alone) => alone[0] as IngestResult[], (lone: unknown) => ConnectError.from(lone))));
        }
        let next = 0;
        for (let index = 0; index < answers.length; index += 1) if (answers[index] === undefined) answers[index] = results[next++];
      }
      return answers as Array<IngestResult[] | ConnectError>;
    },
    { maxBatch: MAX_INGEST_EVENTS, maxInFlight: CALLS_IN_FLIGHT, parallelOnlyWhenFull: true, sizeOf: (one) => one.events.length },
  );

  return async (events: UsageEvent[], request: CallingRequest, gone: () => boolean): Promise<IngestResult[]> => {
    if (events.length > COALESCED_UP_TO) {
      return (await usage.ingest({ events }, callOptionsFor(request, callTimeoutMs))).results;
    }
    const caller = request.caller === null ? '' : `${request.caller.keyId}\u0000${request.caller.customerId ?? ''}`;
    const answer = await batcher.add(caller, { events, request, gone, deadline: performance.now() + callTimeoutMs });
    if (answer instanceof ConnectError) throw answer;
    return answer;
  };
}
