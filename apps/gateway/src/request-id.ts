import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER, requestIdFrom } from '@billing/runtime';

/**
 * The id of an HTTP request: the caller's `x-request-id` when @billing/runtime accepts it (the
 * same rule every gRPC service applies, so a client's id is the id every service logs),
 * otherwise a fresh one.
 */
export function requestIdFor(request: IncomingMessage): string {
  return requestIdFrom(request.headers[REQUEST_ID_HEADER]);
}
