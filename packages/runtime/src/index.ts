export { createLogger, type Logger } from './logger.ts';
export { EnvError, readEnv, port, text, optionalText, integer, oneOf, duration, parsed, secret, optionalSecret } from './env.ts';
export {
  LOG_LEVELS, logLevel, databaseVariables, temporalVariables, serviceCredentialVariables,
  metricsVariables, METRICS_PORTS, type LogLevel,
} from './variables.ts';
export {
  temporalConnectionVariables, temporalConnection, withTemporalConnection, describeTemporalConnection,
  type TemporalConnectionEnv, type TemporalConnectionOptions, type PemFile,
} from './temporal-connection.ts';
export { REQUEST_ID_HEADER, newRequestId, isAcceptableRequestId, requestIdFrom } from './request-id.ts';
export { runApp, type AppDefinition, type AppEnv, type RunningApp } from './run-app.ts';
export {
  metricsRegistry, counter, gauge, histogram, collectProcessMetrics, startMetricsServer, type Counter, type Gauge, type Histogram, type MetricsServer,
} from './metrics.ts';
export { LATENCY_BUCKETS, rpcMetrics, httpMetrics } from './instruments.ts';
export { createBatcher, type BatcherOptions } from './batcher.ts';
export {
  spanProcessor, tracingResource, stopTracing, activeTraceFields, type ReadableSpan, type Resource, type SpanProcessor,
} from './telemetry/tracing.ts';
export {
  readTelemetryConfig, telemetryVariables, OTLP_PROTOCOLS, TRACE_SAMPLERS, type TelemetryConfig, type OtlpProtocol, type TraceSamplerName,
} from './telemetry/variables.ts';
