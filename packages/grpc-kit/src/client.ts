import type { DescService } from '@bufbuild/protobuf';
import { createClient, type CallOptions, type Client, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { REQUEST_ID_HEADER } from '@billing/runtime';
import { forwardRequestId } from './request-id.ts';

export interface GrpcClientOptions {
  /** Deadline for each call unless the call sets its own; default 5 seconds. */
  timeoutMs?: number;
  /** Asked on every call for the request id to forward as metadata. */
  requestId?: () => string | undefined;
  interceptors?: Interceptor[];
}

/**
 * A typed gRPC client (always HTTP/2) over one connection to `baseUrl` (e.g. `http://127.0.0.1:50052`).
 * Create it once per process and share it: the transport multiplexes calls and reconnects by
 * itself when the server comes back.
 */
export function createGrpcClient<S extends DescService>(
  service: S,
  baseUrl: string,
  options: GrpcClientOptions = {},
): Client<S> {
  const interceptors = [...(options.requestId ? [forwardRequestId(options.requestId)] : []), ...(options.interceptors ?? [])];
  const transport = createGrpcTransport({
    baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 5_000,
    interceptors,
  });
  return createClient(service, transport);
}

/** Per-call options that send `requestId` as the `x-request-id` metadata. */
export function withRequestId(requestId: string, options: CallOptions = {}): CallOptions {
  const headers = new Headers(options.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  return { ...options, headers };
}
