// Temporal's part of a trace: the activity interceptors, the workflow interceptors bundled with
// the workflows, and the sink their spans leave the sandbox through. Installed only while tracing
// is on (an OTLP endpoint is configured): with tracing off the worker runs the workflow bundle
// without the interceptors and installs none of this, since even spans that are dropped cost
// promises in the sandbox and work per activity (docs/bills.md).
import { fileURLToPath } from 'node:url';
import {
  OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import { readTelemetryConfig, spanProcessor, tracingResource, type ReadableSpan, type SpanProcessor } from '@billing/runtime';

/** Whether this process traces: the same OTEL_* variables the register module (`--import`) starts tracing from. */
export function tracingConfigured(): boolean {
  return readTelemetryConfig() !== undefined;
}

/** The workflow interceptors, bundled with the workflows (bundle.ts): Updates and activities get spans. */
export const WORKFLOW_TRACING_MODULE = fileURLToPath(new URL(
  import.meta.url.endsWith('.ts') ? './workflows/trace-interceptors.ts' : './workflows/trace-interceptors.js', import.meta.url,
));

// Temporal's interceptors are built on the 1.x SDK, and so is the span the sandbox hands out:
// it names its parent by id and its tracer `instrumentationLibrary`. The 2.x exporters read
// `parentSpanContext` and `instrumentationScope`; without them every workflow span would arrive
// as the root of a trace of its own.
type SandboxProcessor = Extract<Parameters<typeof makeWorkflowExporter>[0], { onEnd: unknown }>;
type SandboxSpan = Parameters<SandboxProcessor['onEnd']>[0];

function asSdkSpan(span: SandboxSpan): ReadableSpan {
  const { parentSpanId, instrumentationLibrary, resource: _sandboxResource, ...rest } = span;
  const { traceId, traceFlags } = span.spanContext();
  return {
    ...rest,
    resource: tracingResource(),
    parentSpanContext: parentSpanId ? { traceId, spanId: parentSpanId, traceFlags, isRemote: false } : undefined,
    instrumentationScope: instrumentationLibrary,
  };
}

function sandboxSpans(target: SpanProcessor): SandboxProcessor {
  return {
    onStart: () => {},
    onEnd: (span) => target.onEnd(asSdkSpan(span)),
    forceFlush: () => target.forceFlush(),
    // The process's tracing is stopped once, by runApp, after the worker has drained.
    shutdown: async () => {},
  };
}

type ExporterResource = Parameters<typeof makeWorkflowExporter>[1];

/**
 * What a bill worker with tracing on adds to its options so its spans join the traces of the calls
 * that caused them; with tracing off, nothing.
 */
export function tracingWorkerOptions(tracing: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) return {};
  return {
    interceptors: {
      activity: [(ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      })],
    },
    // Each span is given this process's resource by asSdkSpan; the exporter's own argument is
    // typed for the 1.x SDK and unused by it beyond copying it onto the span.
    sinks: { exporter: makeWorkflowExporter(sandboxSpans(spanProcessor()), tracingResource() as unknown as ExporterResource) },
  };
}
