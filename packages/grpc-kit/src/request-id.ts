import { createContextKey, type HandlerContext, type Interceptor } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import { REQUEST_ID_HEADER, newRequestId } from '@billing/runtime';
import { toSafeConnectError } from './errors.ts';
import type { GrpcLogger } from './logger.ts';

/** Where the server interceptor leaves the caller's request id for handlers. */
export const requestIdKey = createContextKey<string>('', { description: 'request id' });

/** The request id of the call being handled (set by the server's request-id interceptor). */
export function requestIdOf(context: HandlerContext): string {
  return context.values.get(requestIdKey);
}

// Ids come from other processes: accept only what is safe to echo into logs and headers.
const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

/**
 * Server side: adopts the caller's `x-request-id` (or makes one), echoes it in the response
 * header, hides unexpected errors, and logs one JSON line per call with its outcome.
 */
export function requestIdInterceptor(log: GrpcLogger): Interceptor {
  return (next) => async (req) => {
    const incoming = req.header.get(REQUEST_ID_HEADER);
    const requestId = incoming !== null && ACCEPTABLE_ID.test(incoming) ? incoming : newRequestId();
    req.contextValues.set(requestIdKey, requestId);
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const started = performance.now();
    const logCall = (code: string) =>
      log.info({ requestId, procedure, code, durationMs: Math.round(performance.now() - started) }, 'grpc call');
    const fail = (error: unknown): never => {
      const safe = toSafeConnectError(error, log, { requestId, procedure });
      logCall(codeToString(safe.code));
      throw safe;
    };
    try {
      const res = await next(req);
      res.header.set(REQUEST_ID_HEADER, requestId);
      if (!res.stream) {
        logCall('ok');
        return res;
      }
      // A stream's outcome is known only when it ends (or the caller goes away), so the line
      // is written then.
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          let outcome = 'canceled';
          try {
            yield* messages;
            outcome = 'ok';
          } catch (error) {
            const safe = toSafeConnectError(error, log, { requestId, procedure });
            outcome = codeToString(safe.code);
            throw safe;
          } finally {
            logCall(outcome);
          }
        })(),
      };
    } catch (error) {
      return fail(error);
    }
  };
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
