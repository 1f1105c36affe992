import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';

export interface SpanRecorder {
  /** Every span finished so far, in the order they ended. */
  finished(): ReadableSpan[];
  /** Unregisters the provider, the context manager and the propagator. */
  stop(): Promise<void>;
}

/**
 * Tracing for a test process: the same global registration the register module makes (W3C
 * propagator, AsyncLocalStorage context), but finished spans are kept in memory to assert on.
 */
export function recordSpans(): SpanRecorder {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return {
    finished: () => exporter.getFinishedSpans(),
    async stop() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
