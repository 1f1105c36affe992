import { Type } from 'typebox';

// The error statuses a route can answer, each with the shared ErrorBody and what it means there.
// Routes list every status they can send, with no 4XX/5XX catch-all, so a client (or a contract
// fuzzer) can tell a documented answer from a surprise.

const errorBody = Type.Ref('ErrorBody');

export const RETRY_AFTER = {
  'retry-after': Type.String({ pattern: '^[0-9]+$', description: 'Seconds to wait before retrying; sent with 409 `aborted`, 429 and 503' }),
};

/** Statuses every route that calls a service can answer, whatever the route does. */
export const SERVICE_FAILURES = {
  499: '`canceled`: the request was cancelled before the service answered (usually the client went away)',
  500: '`internal` (or `unknown`, `data_loss`): an unexpected failure; the message is generic and the details are logged',
  503: '`unavailable`: a service or database the route needs is down or unreachable; retry later',
  504: '`deadline_exceeded`: a service did not answer within the call deadline (`GRPC_TIMEOUT`)',
} as const;

/** Statuses of a route that reads a request body (or may be sent one). */
export const BODY_FAILURES = {
  413: '`invalid_argument`: the body is larger than 1 MiB',
  415: '`invalid_argument`: a body whose Content-Type is not application/json',
} as const;

/** Statuses the Idempotency-Key handling adds to every POST; `own409` is the route's own 409, if any. */
export function idempotencyFailures(own409?: string) {
  const inFlight = '`aborted`: the first request with this Idempotency-Key is still running; retry after `Retry-After` seconds';
  return {
    409: own409 === undefined ? inFlight : `${own409}; or ${inFlight}`,
    422: '`invalid_argument`: this Idempotency-Key was used with a different request (method, path or body)',
  };
}

/**
 * Response schemas for a route's error statuses (status → what it means on that route), with the
 * headers some of them carry (say, `Retry-After` on a 409; every 503 and 429 carries it).
 */
export function errorResponses<const S extends Record<number, string>>(
  statuses: S,
  headers: Partial<Record<keyof S, Record<string, unknown>>> = {},
): { [K in keyof S]: typeof errorBody & { description: string } } {
  return Object.fromEntries(
    Object.entries(statuses).map(([status, description]) => {
      // A 503 and a 429 always say when to come back.
      const sent = headers[Number(status) as keyof S] ?? (status === '503' || status === '429' ? RETRY_AFTER : undefined);
      return [status, sent === undefined ? { ...errorBody, description } : { ...errorBody, description, headers: sent }];
    }),
  ) as { [K in keyof S]: typeof errorBody & { description: string } };
}
