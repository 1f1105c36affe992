import { databaseVariables, duration, integer, logLevel, metricsVariables, optionalSecret, port, readEnv, serviceCredentialVariables, text } from '@billing/runtime';
import { CALL_TIMEOUT_MS } from './deadlines.ts';

/** The gateway's configuration, validated once at start-up; the only reader of `process.env`. */
export function readGatewayEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv(
    {
      GATEWAY_PORT: port(3000),
      GATEWAY_HOST: text('0.0.0.0'),
      BILL_SERVICE_URL: text('http://127.0.0.1:50051'),
      RATES_SERVICE_URL: text('http://127.0.0.1:50052'),
      /** Deadline of every gRPC call the gateway makes on a client's behalf (default: deadlines.ts). */
      GRPC_TIMEOUT: duration(`${CALL_TIMEOUT_MS}ms`, '100ms', '5m'),
      LOG_LEVEL: logLevel(),
      /** `/metrics`, apart from the REST API. */
      ...metricsVariables('gateway'),
      /** PostgreSQL holding the Idempotency-Key records (shared by every gateway replica). */
      ...databaseVariables(),
      /** How long the first response to an Idempotency-Key is replayed. */
      IDEMPOTENCY_TTL: duration('24h', '1m', '30d'),
      /** A platform API key accepted besides the issued ones: how the first keys get made. */
      BILLING_ADMIN_API_KEY: optionalSecret(32),
      /** Requests per minute of a key that names no limit of its own (and of the admin key). */
      RATE_LIMIT_PER_MINUTE: integer(6_000, 1, 1_000_000),
      /**
       * How long a valid key is trusted without a database read. A revocation is announced to every
       * replica at once; this bounds it when an announcement is lost (a listener reconnecting).
       */
      API_KEY_CACHE_TTL: duration('1s', '0ms', '5s'),
      /** Sent to bill-service and rates-service with every call. */
      ...serviceCredentialVariables(),
    },
    source,
  );
}

export type GatewayEnv = ReturnType<typeof readGatewayEnv>;
