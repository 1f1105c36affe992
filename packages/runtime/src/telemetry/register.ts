// Loaded with `node --import` ahead of every app (see docs/operations.md): the tracing SDK must be
// in place before the modules it instruments are first imported. Configured only by the standard
// OTEL_* variables; with no OTLP endpoint set it does nothing at all, and says nothing.
import { EnvError } from '../env.ts';
import { createLogger } from '../logger.ts';
import { readTelemetryConfig } from './variables.ts';

let config;
try {
  config = readTelemetryConfig();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  // The same refusal an app gives a bad variable: one fatal line naming it, exit 1.
  createLogger('telemetry').fatal({ problems: error.problems }, `tracing refused its configuration: ${error.problems.join('; ')}`);
  process.exit(1);
}
if (config) await (await import('./sdk.ts')).startTelemetry(config);
