// Items are accepted by Update (or signal) handlers but stored later, by the main loop, in one
// activity per batch. Run from the loop as it is, that activity would belong to the trace of the
// workflow's start; run in the context of the handler that accepted the batch's first item, it
// continues the trace of the request that sent it: request → Update → activity → SQL. Only the
// span context travels; nothing here reaches the workflow's history or its decisions.
import { context, type Context } from '@opentelemetry/api';

/** Where a piece of work came from, as the tracing context sees it; opaque to the workflow. */
export type TraceOrigin = Context;

/** The trace context of the handler running now. */
export function currentTraceOrigin(): TraceOrigin {
  return context.active();
}

/** Runs `work` (an activity call) as part of `origin`'s trace. */
export function inTraceOf<T>(origin: TraceOrigin | undefined, work: () => Promise<T>): Promise<T> {
  return origin === undefined ? work() : context.with(origin, work);
}
