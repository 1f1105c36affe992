import { Code, ConnectError, type CallOptions } from '@connectrpc/connect';
import { createBatcher } from '@billing/runtime';
import { callOptions, type CallingRequest } from './clients.ts';

/** Calls of one caller under way at once; a second starts only with a full batch waiting. */
const CALLS_IN_FLIGHT = 4;

/**
 * The codes that say nothing about the items themselves: the service was not heard, the time ran
 * out, or it was too busy. Every request of a coalesced call failing so would have failed the same
 * way alone, so they all get it. Any other failure of the whole call may be about one request's
 * items, and each request is then sent alone, so each gets its own answer.
 */
const NOT_ABOUT_THE_ITEMS = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Canceled, Code.ResourceExhausted]);

/** Marks an item a coalesced call could not answer the way its own call would: it is sent alone. */
export const SEND_ALONE = Symbol('send alone');

export interface CoalescedCallsOptions<I, R> {
  /** One call for several requests' items (of one caller), answering each in its place, or SEND_ALONE. */
  together(items: I[], options: CallOptions): Promise<Array<R | typeof SEND_ALONE>>;
  /** The request's own call, as it would be made without coalescing. */
  alone(item: I, options: CallOptions): Promise<R>;
  /** The most a coalesced call carries, by `sizeOf` (one per item by default). */
  maxBatch: number;
  sizeOf?: (item: I) => number;
  /** Each request's deadline, counted from its arrival. */
  callTimeoutMs: number;
}

interface Pending<I> {
  item: I;
  request: CallingRequest;
  gone: () => boolean;
  /** performance.now() by which the request must be answered. */
  deadline: number;
}

/**
 * Concurrent requests of one caller sharing service calls (the runtime batcher): a lone request
 * leaves at once, alone, as its own call; requests that arrive while calls are under way wait for
 * one to finish and leave together as one call. No timer holds anything back.
 *
 * Each request gets exactly its own answer. One whose client went away (`gone`, checked as its
 * batch leaves, so nothing listens per request) or whose deadline passed while it waited is not
 * sent. A coalesced call's deadline is the earliest of its requests', so none is answered later
 * than alone. Requests of one caller only (API key and customer) share a call, since services check
 * what they are sent against the caller; the call carries the first request's id.
 */
export function coalescedCalls<I, R>({ together, alone, maxBatch, sizeOf, callTimeoutMs }: CoalescedCallsOptions<I, R>) {
  const remaining = (deadline: number) => Math.max(1, Math.ceil(deadline - performance.now()));
  const sendAlone = (one: Pending<I>): Promise<R | ConnectError> =>
    alone(one.item, callOptions(one.request.caller, one.request.id, remaining(one.deadline)))
      .catch((error: unknown) => ConnectError.from(error));

  async function send(live: Array<Pending<I>>): Promise<Array<R | ConnectError>> {
    if (live.length === 1) return [await sendAlone(live[0] as Pending<I>)];
    const first = live[0] as Pending<I>;
    const deadline = Math.min(...live.map((one) => one.deadline));
    let answers: Array<R | typeof SEND_ALONE>;
    try {
      answers = await together(live.map((one) => one.item), callOptions(first.request.caller, first.request.id, remaining(deadline)));
      if (answers.length !== live.length) throw new ConnectError('a coalesced call answered another number of results than requests', Code.Internal);
    } catch (error) {
      const failure = ConnectError.from(error);
      if (NOT_ABOUT_THE_ITEMS.has(failure.code)) return live.map(() => failure);
      answers = live.map(() => SEND_ALONE);
    }
    return Promise.all(answers.map((answer, index) => (answer === SEND_ALONE ? sendAlone(live[index] as Pending<I>) : answer)));
  }

  const batcher = createBatcher<string, Pending<I>, R | ConnectError>(
    (key) => key,
    async (_key, batch) => {
      // Whoever left or ran out of time while waiting is answered so, and not sent.
      const now = performance.now();
      const answers = batch.map((one): R | ConnectError | undefined => {
        if (one.gone()) return new ConnectError('the client closed the request', Code.Canceled);
        if (one.deadline <= now) return new ConnectError('the operation timed out', Code.DeadlineExceeded);
        return undefined;
      });
      const live = batch.filter((_, index) => answers[index] === undefined);
      if (live.length > 0) {
        const results = await send(live);
        let next = 0;
        for (let index = 0; index < answers.length; index += 1) if (answers[index] === undefined) answers[index] = results[next++];
      }
      return answers as Array<R | ConnectError>;
    },
    { maxBatch, maxInFlight: CALLS_IN_FLIGHT, parallelOnlyWhenFull: true, ...(sizeOf === undefined ? {} : { sizeOf: (one: Pending<I>) => sizeOf(one.item) }) },
  );

  return async (item: I, request: CallingRequest, gone: () => boolean): Promise<R> => {
    const caller = request.caller === null ? '' : `${request.caller.keyId}\u0000${request.caller.customerId ?? ''}`;
    const answer = await batcher.add(caller, { item, request, gone, deadline: performance.now() + callTimeoutMs });
    if (answer instanceof ConnectError) throw answer;
    return answer;
  };
}
