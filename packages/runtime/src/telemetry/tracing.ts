import { trace, isSpanContextValid } from '@opentelemetry/api';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-node';

export type { ReadableSpan, Resource, SpanProcessor };

/**
 * What the rest of the process sees of the tracing SDK, which the `--import` register module
 * starts (or not) before any app code runs. Apps never start it themselves: they ask here.
 */
interface Tracing {
  /** Every finished span goes through it to the exporter. */
  processor: SpanProcessor;
  /** What the spans say about the process (`service.name`). */
  resource: Resource;
  /** Sends what is still batched and stops. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { processor: new NoopSpanProcessor(), resource: emptyResource(), shutdown: async () => {} };
let current = OFF;

export function setTracing(tracing: Tracing): void {
  current = tracing;
}

/**
 * Where spans made outside the SDK's own tracers end (Temporal's workflow spans, which are made
 * inside the workflow sandbox and handed out); with tracing off, a processor that drops them.
 */
export function spanProcessor(): SpanProcessor {
  return current.processor;
}

export function tracingResource(): Resource {
  return current.resource;
}

/** Exports the spans still batched, then stops tracing; called once the app has drained. */
export async function stopTracing(): Promise<void> {
  const stopping = current;
  current = OFF;
  await stopping.shutdown();
}

/** `trace_id` and `span_id` of the span active where a log line is written, if one is. */
export function activeTraceFields(): { trace_id: string; span_id: string } | Record<string, never> {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
