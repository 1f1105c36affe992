import { context } from '@opentelemetry/api';
import { Code, type Interceptor } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import { REQUEST_ID_HEADER, requestIdFrom, rpcMetrics } from '@billing/runtime';
import { classifyFailure, describeError, type ErrorMapper } from './errors.ts';
import type { GrpcLogger } from './logger.ts';
import { requestIdKey } from './request-id.ts';
import { principalKey } from './service-access.ts';
import { startServerSpan } from './tracing.ts';

export interface ServerInterceptorOptions {
  logger: GrpcLogger;
  /** Domain mappings for every call, asked in order; see `ErrorMapper`. */
  errorMappers?: readonly ErrorMapper[];
  /**
   * Mappings of one service's calls only, by its type name (`billing.v1.MandateService`), asked
   * before `errorMappers`: a server hosting several domains words each one's failures its own way.
   */
  serviceErrorMappers?: ReadonlyMap<string, readonly ErrorMapper[]>;
}

/**
 * The one error path of every Connect server, wrapped around every call:
 * - adopts the caller's `x-request-id` (or makes one), gives it to handlers (`requestIdOf`) and
 *   echoes it in the response header;
 * - turns whatever a handler threw into the Connect code its service's mappers (then the
 *   server's) give it, and
 *   anything unmapped into a bare `internal`;
 * - logs the cause of every failure that is not the caller's own mistake (`internal` as an
 *   error, `unavailable`, `deadline_exceeded` and the like as a warning) with the request id;
 * - logs one line per call with its outcome: `{"requestId","procedure","code","keyId","durationMs"}`,
 *   and counts it with its duration in `rpc_server_requests_total` / `rpc_server_duration_seconds`;
 * - traces it: a SERVER span that continues the caller's trace (W3C `traceparent` metadata) and
 *   in which the handler runs, so its own calls, workflow updates and queries are its children
 *   and its log lines carry the trace id (see tracing.ts).
 */
export function serverInterceptor({ logger, errorMappers = [], serviceErrorMappers }: ServerInterceptorOptions): Interceptor {
  const rpc = rpcMetrics();
  const mappersOf = new Map([...serviceErrorMappers ?? []].map(([service, own]) => [service, [...own, ...errorMappers]]));
  return (next) => (req) => {
    const span = startServerSpan(req);
    return context.with(span.context, async () => {
      const requestId = requestIdFrom(req.header.get(REQUEST_ID_HEADER));
      req.contextValues.set(requestIdKey, requestId);
      const procedure = `${req.service.typeName}/${req.method.name}`;
      const started = performance.now();
      // The key a call was made for (set by the access interceptor inside this one): who did what.
      const logCall = (code: string, numericCode: number) => {
        const seconds = (performance.now() - started) / 1000;
        const labels = { service: req.service.typeName, method: req.method.name, code };
        rpc.requests.inc(labels);
        rpc.duration.observe(labels, seconds);
        logger.info({
          requestId, procedure, code, keyId: req.contextValues.get(principalKey).keyId, durationMs: Math.round(seconds * 1000),
        }, 'grpc call');
        span.end(numericCode);
      };
      const answer = (error: unknown) => {
        const failure = classifyFailure(error, mappersOf.get(req.service.typeName) ?? errorMappers);
        const code = codeToString(failure.error.code);
        if (failure.level) {
          const fields = { requestId, procedure, code, err: describeError(failure.cause, failure.level === 'error') };
          const message = failure.unexpected ? 'unexpected error in handler' : `call answered ${code}`;
          logger[failure.level](fields, message);
        }
        return { error: failure.error, code, numericCode: failure.error.code };
      };
      try {
        const res = await next(req);
        res.header.set(REQUEST_ID_HEADER, requestId);
        if (!res.stream) {
          logCall('ok', 0);
          return res;
        }
        // A stream's outcome is known only when it ends (or the caller goes away), so its line is
        // written then.
        const messages = span.inContext(res.message);
        return {
          ...res,
          message: (async function* () {
            let outcome = { code: 'canceled', numericCode: Code.Canceled as number };
            try {
              yield* messages;
              outcome = { code: 'ok', numericCode: 0 };
            } catch (error) {
              const answered = answer(error);
              outcome = answered;
              throw answered.error;
            } finally {
              logCall(outcome.code, outcome.numericCode);
            }
          })(),
        };
      } catch (error) {
        const { error: safe, code, numericCode } = answer(error);
        logCall(code, numericCode);
        throw safe;
      }
    });
  };
}
