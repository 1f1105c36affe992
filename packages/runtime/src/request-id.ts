import { randomUUID } from 'node:crypto';

/** Carried from the gateway to every service as HTTP header and gRPC metadata alike. */
export const REQUEST_ID_HEADER = 'x-request-id';

// Ids come from other processes and end up in log lines and response headers: accept only an
// alphabet that cannot smuggle line breaks, markup or separators into either.
const ACCEPTABLE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** A fresh id, `req_` and 32 hex digits. */
export function newRequestId(): string {
  return `req_${randomUUID().replaceAll('-', '')}`;
}

export function isAcceptableRequestId(value: unknown): value is string {
  return typeof value === 'string' && ACCEPTABLE_REQUEST_ID.test(value);
}

/**
 * The id to use for work that arrived with `incoming` as its `x-request-id` (a header value of
 * any shape, or nothing): the caller's own when it is acceptable, so one id follows a request
 * across every process, otherwise a fresh one.
 */
export function requestIdFrom(incoming: unknown): string {
  return isAcceptableRequestId(incoming) ? incoming : newRequestId();
}
