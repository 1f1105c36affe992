import { createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { REQUEST_ID_HEADER } from '@billing/runtime';

// What an id is (its header, its format, which incoming ids are adopted) is decided once, in
// @billing/runtime; this module only carries ids through Connect calls.

/** Where the server interceptor leaves the caller's request id for handlers. */
export const requestIdKey = createContextKey<string>('', { description: 'request id' });

/** The request id of the call being handled (set by the server interceptor). */
export function requestIdOf(context: HandlerContext): string {
  return context.values.get(requestIdKey);
}

/**
 * Client side: sends the request id of the work in progress as gRPC metadata, so one id
 * follows a request from the gateway through every service. `currentRequestId` is asked on
 * each call (for example from an AsyncLocalStorage); an id already set on the call wins.
 */
export function forwardRequestId(currentRequestId: () => string | undefined): Interceptor {
  return (next) => (req) => {
    const requestId = currentRequestId();
    if (requestId !== undefined && !req.header.has(REQUEST_ID_HEADER)) req.header.set(REQUEST_ID_HEADER, requestId);
    return next(req);
  };
}
