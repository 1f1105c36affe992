import { counter, histogram } from './metrics.ts';

/**
 * The transport metrics every server shares, defined once so names, labels and buckets cannot
 * drift between the place that records them and the docs and alerts that query them
 * (docs/operations.md lists them). Business counters live with the domain that moves them (the
 * worker's bill-metrics.ts, bill-service's ledger/ledger-metrics.ts, ...), built from `counter`.
 * Each group is registered by the first call of its function, made when the component that
 * records it is built: an app exports only what it can move, from zero at start, and a gateway
 * never shows a bill counter stuck at 0 beside the worker's real one.
 */

/** Latency buckets in seconds: from a cached read (a few ms) to a call near the gateway's 10 s deadline. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** RED of every Connect/gRPC call a server answers, recorded by grpc-kit's server interceptor. */
export const rpcMetrics = () => ({
  requests: counter('rpc_server_requests_total', 'Calls answered, by service, method and Connect code (ok when it succeeded).',
    ['service', 'method', 'code']),
  duration: histogram('rpc_server_duration_seconds', 'Time from a call arriving to its answer (a stream: to its end), in seconds.',
    ['service', 'method', 'code'], LATENCY_BUCKETS),
});

/** RED of every HTTP request the gateway answers; `route` is the route's template, never the raw path. */
export const httpMetrics = () => ({
  requests: counter('http_server_requests_total', 'HTTP requests answered, by route template, method and status code.',
    ['route', 'method', 'status']),
  duration: histogram('http_server_duration_seconds', 'Time from a request arriving to its response being sent, in seconds.',
    ['route', 'method', 'status'], LATENCY_BUCKETS),
});
