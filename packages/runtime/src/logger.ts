import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs for every process. Secrets never reach a log line: fields that carry
 * them are redacted here, once, rather than remembered at each call site.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.appId', '*.authorization', 'req.headers.authorization', '*.databaseUrl'],
      censor: '[redacted]',
    },
  });
}
