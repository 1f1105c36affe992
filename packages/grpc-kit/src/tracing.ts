import {
  context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type TextMapGetter, type TextMapSetter,
} from '@opentelemetry/api';
import { Code, ConnectError, type Interceptor, type StreamResponse } from '@connectrpc/connect';

// Connect has no maintained OpenTelemetry instrumentation, so the pair lives here: the client
// side below, and the server side inside serverInterceptor, the one interceptor every server has.
// Spans follow OpenTelemetry's RPC conventions (`rpc.system`, `rpc.service`, `rpc.method`, the
// status code), named `package.Service/Method`.

const tracer = () => trace.getTracer('@billing/grpc-kit');

const headerSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };
const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

interface CallDescription {
  service: { typeName: string };
  method: { name: string };
}

function rpcAttributes(req: CallDescription, system: string): Attributes {
  return { 'rpc.system': system, 'rpc.service': req.service.typeName, 'rpc.method': req.method.name };
}

/**
 * The server codes that mean the server failed (OpenTelemetry's gRPC conventions): a caller's
 * mistake (`invalid_argument`, `not_found`, ...) is an answer, not an error of this span.
 */
const SERVER_FAULTS = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

/** Ends `span` with the call's Connect code (0 for success). */
function endSpan(span: Span, kind: SpanKind, system: string, code: number): void {
  if (system === 'grpc') span.setAttribute('rpc.grpc.status_code', code);
  else if (code !== 0) span.setAttribute('rpc.connect_rpc.error_code', Code[code] ?? String(code));
  if (code !== 0 && (kind === SpanKind.CLIENT || SERVER_FAULTS.has(code))) span.setStatus({ code: SpanStatusCode.ERROR, message: Code[code] });
  span.end();
}

/**
 * Each message of a stream is produced inside `active`, so what is done for it belongs to the
 * call's trace. A stream given up early is closed at once, as it would be without this wrapper.
 */
function inContext<T>(messages: AsyncIterable<T>, active: Context): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = messages[Symbol.asyncIterator]();
      return {
        next: () => context.with(active, () => iterator.next()),
        return: (value?: unknown) => context.with(active, async (): Promise<IteratorResult<T>> => (await iterator.return?.(value)) ?? { done: true, value }),
        throw: (error?: unknown) => context.with(active, async () => {
          if (iterator.throw) return iterator.throw(error);
          throw error;
        }),
      };
    },
  };
}

/**
 * Client side: a CLIENT span around each call, child of whatever span is active where the call
 * is made, and its W3C `traceparent` (and `tracestate`) sent as metadata through the globally
 * registered propagator. With tracing off the API's no-op tracer makes this a pass-through.
 */
export function traceClientCalls(): Interceptor {
  return (next) => (req) => {
    const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT, attributes: rpcAttributes(req, 'grpc'),
    });
    const active = trace.setSpan(context.active(), span);
    propagation.inject(active, req.header, headerSetter);
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      endSpan(span, SpanKind.CLIENT, 'grpc', error === undefined ? 0 : ConnectError.from(error).code);
    };
    return context.with(active, async () => {
      let res;
      try {
        res = await next(req);
      } catch (error) {
        end(error);
        throw error;
      }
      if (!res.stream) {
        end();
        return res;
      }
      // A streamed answer's span lasts until its last message is read, the stream fails, or the
      // caller cancels it: Connect's clients stop reading a cancelled stream without closing it,
      // so its end would never be seen otherwise.
      req.signal.addEventListener('abort', () => end(new ConnectError('the caller cancelled the stream', Code.Canceled)), { once: true });
      const messages = res.message;
      return {
        ...res,
        message: (async function* () {
          let failure: unknown;
          try {
            yield* inContext(messages, active);
          } catch (error) {
            failure = error;
            throw error;
          } finally {
            end(failure);
          }
        })(),
      } satisfies StreamResponse;
    });
  };
}

/** What the server interceptor needs of one call's span. */
export interface ServerSpan {
  /** The call's context: the handler runs in it. */
  readonly context: Context;
  /** Ends the span with the Connect code the caller is answered with (0 for success). */
  end(code: number): void;
  /** A streamed answer whose messages are produced in the call's context. */
  inContext<T>(messages: AsyncIterable<T>): AsyncIterable<T>;
}

/**
 * Server side: a SERVER span for a call, child of the caller's span when the call carries a W3C
 * `traceparent` (the caller's trace continues here), a new trace otherwise.
 */
export function startServerSpan(req: CallDescription & { header: Headers }): ServerSpan {
  const contentType = req.header.get('content-type') ?? '';
  const system = contentType.startsWith('application/grpc') ? 'grpc' : 'connect_rpc';
  const parent = propagation.extract(context.active(), req.header, headerGetter);
  const span = tracer().startSpan(`${req.service.typeName}/${req.method.name}`, {
    kind: SpanKind.SERVER, attributes: rpcAttributes(req, system),
  }, parent);
  const active = trace.setSpan(parent, span);
  return {
    context: active,
    end: (code) => endSpan(span, SpanKind.SERVER, system, code),
    inContext: (messages) => inContext(messages, active),
  };
}
