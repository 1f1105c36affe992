import { integer, oneOf, port, secret, text } from './env.ts';
import { temporalConnectionVariables } from './temporal-connection.ts';

/**
 * Variables more than one app reads, defined once so their names, defaults and bounds cannot
 * drift apart. An app's env module spreads the groups it needs into its own `readEnv` spec.
 */

/** pino's levels; `silent` turns logging off (tests, benchmarks). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL`, default `info`. */
export function logLevel() {
  return oneOf(LOG_LEVELS, 'info');
}

/**
 * `DATABASE_URL` (required) and `DATABASE_POOL_MAX`: at least one connection, and no more than
 * a PostgreSQL server's default `max_connections` of 100, which one app alone must not exhaust.
 */
export function databaseVariables() {
  return {
    DATABASE_URL: text(),
    DATABASE_POOL_MAX: integer(10, 1, 100),
  };
}

/**
 * Where Temporal is, how to reach it (TLS, mutual TLS, an API key: temporal-connection.ts), and
 * which namespace and task queue to use. The task queue's default is the caller's (the bill
 * workflows' queue is named in `@billing/bills`), so it is defined once. The app's env module
 * passes what it read through `withTemporalConnection`, which checks the settings together.
 */
export function temporalVariables(defaultTaskQueue: string) {
  return {
    TEMPORAL_ADDRESS: text('127.0.0.1:7233'),
    ...temporalConnectionVariables(),
    TEMPORAL_NAMESPACE: text('default'),
    TEMPORAL_TASK_QUEUE: text(defaultTaskQueue),
  };
}

/**
 * `BILLING_SERVICE_TOKEN`: the shared secret every caller of a gRPC service's business RPCs
 * presents (the gateway, bill-service calling rates-service, the worker). Required: a service
 * that started without it would either refuse everyone or, worse, admit everyone.
 */
export function serviceCredentialVariables() {
  return { BILLING_SERVICE_TOKEN: secret(32) };
}

/**
 * Where each app serves `/metrics` by default, one port each so all of them run on one machine
 * without configuration; `temporalSdk` is the worker's Temporal SDK exporter. Defined once here
 * because `npm start` prints them and the apps listen on them.
 */
export const METRICS_PORTS = {
  gateway: 9464,
  'bill-service': 9465,
  'rates-service': 9466,
  worker: 9467,
  temporalSdk: 9468,
} as const;

/** `METRICS_PORT`: where the app serves `/metrics`, apart from its API; 0 picks a free port. */
export function metricsVariables(app: keyof typeof METRICS_PORTS) {
  return { METRICS_PORT: port(METRICS_PORTS[app]) };
}
