import { pino, type Logger } from 'pino';
import { activeTraceFields } from './telemetry/tracing.ts';

export type { Logger };

/**
 * Structured JSON logs for every process. Secrets never reach a log line: fields that carry
 * them are redacted here, once, rather than remembered at each call site. Lines are written
 * synchronously: with pino's asynchronous default, a line still in flight when the process
 * exits is lost, and the last lines (why it stopped, or that it drained) matter most. A line
 * written while a traced operation runs carries its `trace_id` and `span_id`, which lead from
 * the line to the trace (see docs/operations.md).
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: activeTraceFields,
    redact: {
      paths: [
        '*.password', '*.appId', '*.authorization', 'req.headers.authorization', '*.databaseUrl',
        // API keys, their hashes and the service credential, wherever a caller puts them.
        '*.apiKey', '*.keyHash', '*.serviceToken', '*.secret', 'req.headers["x-billing-service-token"]',
      ],
      censor: '[redacted]',
    },
  }, pino.destination({ dest: 1, sync: true }));
}
