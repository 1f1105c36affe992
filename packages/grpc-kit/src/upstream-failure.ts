import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';

/**
 * How a failed call to another service is reported to our own callers.
 *
 * A ConnectError parsed from the upstream's answer (`isWireError`) is a decision the upstream
 * made: it passes through untouched. So do two outcomes our side caused: a deadline we set
 * (`deadline_exceeded`) and a cancel because our own caller went away (`canceled` with the call's
 * signal aborted).
 *
 * Everything else means we never heard the upstream's decision: the connection was refused or
 * reset, the stream was destroyed, the session received GOAWAY, the host did not resolve, a proxy
 * answered instead. connect-node reports some of these as `aborted` or `canceled` (its node-error
 * module maps ECONNRESET, ERR_STREAM_DESTROYED and ERR_HTTP2_INVALID_STREAM to `aborted`), and a
 * reset stream as `internal`; left as they are, a gateway would answer 409 or 500 for an outage
 * and an idempotency layer would record that as the request's outcome. They are all `unavailable`:
 * the caller may retry, and the message names no host, port or Node error text.
 */
export function classifyUpstreamFailure(error: unknown, upstream: string, callerAborted = false): ConnectError {
  const connectError = ConnectError.from(error);
  if (connectError.isWireError) return connectError;
  if (connectError.code === Code.DeadlineExceeded) return connectError;
  if (connectError.code === Code.Canceled && callerAborted) return connectError;
  return new ConnectError(`${upstream} is unavailable`, Code.Unavailable, undefined, undefined, connectError);
}

/** True when `error` is an `unavailable` made by classifyUpstreamFailure; its cause is the transport's own error. */
export function isUpstreamUnavailable(error: unknown): error is ConnectError & { cause: unknown } {
  return error instanceof ConnectError && error.code === Code.Unavailable && error.cause !== undefined && !error.isWireError;
}

/**
 * The client interceptor every Connect client we build carries: unary calls and server streams
 * (while their messages are read) fail with classifyUpstreamFailure's verdict.
 */
export function upstreamFailureInterceptor(upstream: string): Interceptor {
  return (next) => async (request) => {
    const classify = (error: unknown) => classifyUpstreamFailure(error, upstream, request.signal.aborted);
    let response;
    try {
      response = await next(request);
    } catch (error) {
      throw classify(error);
    }
    if (!response.stream) return response;
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          yield* messages;
        } catch (error) {
          throw classify(error);
        }
      })(),
    };
  };
}
