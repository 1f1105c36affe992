import { BILL_TASK_QUEUE } from '@billing/bills';
import {
  databaseVariables, duration, logLevel, metricsVariables, parsed, port, readEnv, serviceCredentialVariables, temporalVariables, text,
  withTemporalConnection,
} from '@billing/runtime';
import { sellerVariables } from '@billing/documents/seller';
import { billCurrencyVariables } from './bill-currencies.ts';

export type BillServiceEnv = ReturnType<typeof loadEnv>;

/**
 * Everything bill-service reads from its environment, validated once at start-up; the Temporal
 * connection's settings are also checked together (`temporalConnection`).
 */
export function loadEnv(source: Record<string, string | undefined> = process.env) {
  return withTemporalConnection(readEnv({
    BILL_SERVICE_PORT: port(50051),
    BILL_SERVICE_HOST: text('0.0.0.0'),
    ...databaseVariables(),
    ...temporalVariables(BILL_TASK_QUEUE),
    RATES_SERVICE_URL: text('http://127.0.0.1:50052'),
    /** Deadline of each call to rates-service. */
    RATES_TIMEOUT: duration('5s', '100ms', '1m'),
    /** How long after the period's end a bill waits before closing itself. */
    BILL_CLOSE_GRACE: duration('0s', '0s', '30d'),
    /** How long a close request waits for invoicing before answering 202 CLOSING. */
    BILL_CLOSE_WAIT: duration('10s', '0s', '5m'),
    /** The registered non-fiat units and the currencies bills and mandates accept. */
    ...billCurrencyVariables(),
    /** The seller on every credit note, the same as the worker's on invoices (docs/invoices.md). */
    ...sellerVariables(),
    /** How long events are kept before the periodic delete removes them. */
    EVENT_RETENTION: duration('30d', '1h', '3650d'),
    /** How often each process deletes events past their retention. */
    EVENT_RETENTION_SWEEP: duration('1h', '1s', '1d'),
    /** How long raw usage events are kept after their period (partitions are dropped whole once past it). */
    USAGE_RETENTION: duration('400d', '36d', '3650d'),
    /** How often each process makes usage partitions ahead, drops old ones and purges old deduplication keys. */
    USAGE_MAINTENANCE_SWEEP: duration('1h', '1s', '1d'),
    /**
     * `true` lets webhook endpoints use http and private or loopback addresses (local development);
     * by default only https URLs resolving to public addresses are registered.
     */
    WEBHOOK_ALLOW_PRIVATE_URLS: parsed('false', trueOrFalse),
    LOG_LEVEL: logLevel(),
    /** `/metrics`, apart from the gRPC port. */
    ...metricsVariables('bill-service'),
    /** Required of every caller of a business RPC, and sent to rates-service. */
    ...serviceCredentialVariables(),
  }, source));
}

function trueOrFalse(value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`must be true or false, got "${value.slice(0, 20)}"`);
}
