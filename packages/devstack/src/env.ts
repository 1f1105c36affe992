import { optionalSecret, optionalText, port, readEnv, text } from '@billing/runtime';

/** What `npm start` reads; unset DATABASE_URL / TEMPORAL_ADDRESS mean "start one here". */
export function loadStartEnv() {
  return readEnv({
    DATABASE_URL: optionalText(),
    TEMPORAL_ADDRESS: optionalText(),
    TEMPORAL_NAMESPACE: text('default'),
    GATEWAY_PORT: port(3000),
    BILL_SERVICE_PORT: port(50051),
    RATES_SERVICE_PORT: port(50052),
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    POSTGRES_PORT: port(5433),
    /** The platform key; unset: the one kept in .data/admin-api-key (made on first start). */
    BILLING_ADMIN_API_KEY: optionalSecret(32),
    /** The services' shared secret; unset: the one kept in .data/service-token. */
    BILLING_SERVICE_TOKEN: optionalSecret(32),
  });
}

/** Where the bootstrap put the pinned tools, and explicit overrides for them. */
export function toolEnv() {
  return {
    TEMPORAL_CLI: process.env.TEMPORAL_CLI,
    GRPCURL: process.env.GRPCURL,
    HAPROXY: process.env.HAPROXY,
    BILLING_TOOLS_DIR: process.env.BILLING_TOOLS_DIR,
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME,
  };
}

/** The environment child programs inherit, plus what the stack sets for them. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/**
 * The service name the operator gave every process (`OTEL_SERVICE_NAME`), if any; unset, each
 * app is named after itself, so its spans can be told apart from the others'.
 */
export function inheritedServiceName(): string | undefined {
  return process.env.OTEL_SERVICE_NAME || undefined;
}

/**
 * The environment of a Temporal dev server: the inherited one, with Go's collector at a quarter of
 * its default frequency (`GOGC=400`) unless the caller set one. The dev server's live heap is small,
 * so letting it grow to five times that before collecting (two times by default) costs little
 * memory, and in a worker test run the server spent about a sixth less CPU (11.9 -> 9.9 s, by
 * hand). Every suite, benchmark and `npm start` start dev servers.
 */
export function temporalServerEnv(): NodeJS.ProcessEnv {
  return childEnv({ GOGC: process.env.GOGC ?? '400' });
}
