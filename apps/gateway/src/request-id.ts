import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER, newRequestId } from '@billing/runtime';

// The same alphabet the gRPC services accept (packages/grpc-kit), so an id a client sends is
// the id every service logs; anything else could also smuggle line breaks or markup into logs.
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `x-request-id` when it is acceptable, otherwise a fresh one. */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
}
