import { register } from 'node:module';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler,
  type Sampler, type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { createLogger } from '../logger.ts';
import { setTracing } from './tracing.ts';
import type { OtlpProtocol, TelemetryConfig, TraceSamplerName } from './variables.ts';

/** Only the exporter of the protocol asked for is loaded (the gRPC one brings a whole gRPC stack). */
async function createExporter(protocol: OtlpProtocol, url: string): Promise<SpanExporter> {
  switch (protocol) {
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url });
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url });
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter({ url });
  }
}

function createSampler(name: TraceSamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on': return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

const LAST_EXPORT_MS = 3_000;

// Probes poll these every few seconds; a trace of each would bury the requests worth reading.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Starts the tracing SDK: the W3C propagator and an AsyncLocalStorage context manager made
 * global, spans batched to the OTLP exporter, and the instrumentations of Fastify (the gateway's
 * request spans) and pg (one span per query, only inside a traced operation, without parameter
 * values). Must run before the instrumented modules are first imported, hence `--import`.
 */
export async function startTelemetry(config: TelemetryConfig): Promise<void> {
  // An export that fails (a collector that is down) is worth a warning; the SDK is silent otherwise.
  const logger = createLogger(config.serviceName ?? 'telemetry', 'warn');
  diag.setLogger({
    error: (message) => logger.error(`tracing: ${message}`),
    warn: (message) => logger.warn(`tracing: ${message}`),
    info: () => {}, debug: () => {}, verbose: () => {},
  }, DiagLogLevel.WARN);

  // ESM imports are patched through import-in-the-middle's loader, told about exactly the modules
  // the instrumentations hook and nothing else, so every other import (our TypeScript sources
  // included) loads untouched.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const resource = resourceFromAttributes(config.serviceName === undefined ? {} : { 'service.name': config.serviceName });
  const processor = new BatchSpanProcessor(await createExporter(config.protocol, config.tracesUrl), {
    scheduledDelayMillis: config.batchDelayMs,
  });
  const provider = new NodeTracerProvider({
    resource, sampler: createSampler(config.sampler, config.samplerRatio), spanProcessors: [processor],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new PgInstrumentation({ requireParentSpan: true }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: ({ url }) => UNTRACED_PATHS.has(url),
        // The request id every log line of every hop carries: search a trace by it.
        requestHook: (span, request) => span.setAttribute('billing.request_id', String(request.id)),
      }),
    ],
  });
  await waitForAllMessagesAcknowledged();
  // A collector that is down costs the spans still batched and a warning, never the app's exit,
  // and holds the exit up no longer than a few seconds (the exporter itself retries for ten).
  const shutdown = async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`not sent within ${LAST_EXPORT_MS} ms`)), LAST_EXPORT_MS);
    });
    try {
      await Promise.race([provider.shutdown(), deadline]);
    } catch (error) {
      logger.warn({ err: { message: error instanceof Error ? error.message : String(error) } }, 'tracing: the last spans could not be sent');
    } finally {
      clearTimeout(timer);
    }
  };
  setTracing({ processor, resource, shutdown });
}
