import { integer, oneOf, optionalText, parsed, readEnv } from '../env.ts';

/**
 * The standard OpenTelemetry variables, and only those: an operator who knows the OpenTelemetry
 * SDKs configures ours the same way. Tracing is on when an endpoint is set and off otherwise.
 */

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const TRACE_SAMPLERS = [
  'always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

export interface TelemetryConfig {
  /** Where spans go: the full URL of the traces endpoint (for `grpc`, the collector's address). */
  tracesUrl: string;
  protocol: OtlpProtocol;
  /** Unset: the SDK's own `unknown_service:node`. */
  serviceName: string | undefined;
  sampler: TraceSamplerName;
  /** The ratio of the `traceidratio` samplers, 0 to 1. */
  samplerRatio: number;
  /** How long finished spans wait to be sent together, in milliseconds. */
  batchDelayMs: number;
}

function parseUrl(value: string): string | undefined {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`must be a URL like http://collector:4318, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`must be an http or https URL, got "${value}"`);
  return value;
}

function parseProtocol(value: string): OtlpProtocol | undefined {
  if (value === '') return undefined;
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(value)) throw new Error(`must be one of ${OTLP_PROTOCOLS.join(', ')}, got "${value}"`);
  return value as OtlpProtocol;
}

function parseRatio(value: string): number {
  const ratio = /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(ratio)) throw new Error(`must be a ratio from 0 to 1, got "${value}"`);
  return ratio;
}

export function telemetryVariables() {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: parsed('', parseUrl),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: parsed('', parseUrl),
    OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(OTLP_PROTOCOLS, 'http/protobuf'),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: parsed('', parseProtocol),
    OTEL_SERVICE_NAME: optionalText(),
    OTEL_TRACES_SAMPLER: oneOf(TRACE_SAMPLERS, 'parentbased_always_on'),
    OTEL_TRACES_SAMPLER_ARG: parsed('1', parseRatio),
    OTEL_BSP_SCHEDULE_DELAY: integer(5_000, 1, 300_000),
  };
}

/**
 * The tracing configuration `source` (the process environment by default) asks for, or
 * `undefined` when it names no endpoint: then nothing is set up and nothing is said about it.
 * A bad value throws an `EnvError` naming the variable.
 */
export function readTelemetryConfig(source?: Record<string, string | undefined>): TelemetryConfig | undefined {
  const env = readEnv(telemetryVariables(), source);
  const tracesProtocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  const tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? tracesUrlUnder(env.OTEL_EXPORTER_OTLP_ENDPOINT, tracesProtocol);
  if (tracesUrl === undefined) return undefined;
  return {
    tracesUrl,
    protocol: tracesProtocol,
    serviceName: env.OTEL_SERVICE_NAME,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    batchDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  };
}

/**
 * The signal-specific URL under a base endpoint: over HTTP the base gets `/v1/traces` appended;
 * gRPC has no paths, so the base is the address.
 */
function tracesUrlUnder(base: string | undefined, protocol: OtlpProtocol): string | undefined {
  if (base === undefined) return undefined;
  if (protocol === 'grpc') return base;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}
