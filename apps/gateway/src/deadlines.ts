// Every deadline the gateway puts on its calls to the services, in one place. The deadline of a
// call made for a client's request is configurable (GRPC_TIMEOUT, read by env.ts with this
// default); when a service misses it, the client gets 504 `deadline_exceeded`.

/** Each service call made for a client's request, and the transport's default for a call that sets none. */
export const CALL_TIMEOUT_MS = 10_000;

/** Each readiness probe of a service (`GET /health/ready`): short, so a stuck service reads as not ready at once. */
export const READINESS_TIMEOUT_MS = 2_000;
