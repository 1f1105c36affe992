// The hand-written part of the SDK: how a call is sent (key, retries, idempotency keys) and what a
// failure looks like. Every operation and type comes from src/gen, generated from the API document.
import { createClient, createConfig, type Client } from './gen/client/index.ts';
import { BillingApi } from './gen/sdk.gen.ts';
import type { ErrorBody } from './gen/types.gen.ts';

export interface BillingClientOptions {
  /** Where the API is, e.g. https://billing.example.com (no trailing path). */
  baseUrl: string;
  /** An API key (`bsk_…`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** How many times a call is tried again after a 429, a 503, a 409 with Retry-After or a network failure; default 3. */
  maxRetries?: number;
  /** The longest wait before a retry, including what Retry-After asks for; default 10 s. */
  maxRetryDelayMs?: number;
  /** The first backoff wait when the answer names none; doubled on every retry; default 200 ms. */
  baseRetryDelayMs?: number;
  /** The fetch to send with (default the global one). */
  fetch?: typeof fetch;
}

/** A failed call: the HTTP status, and the API's error body (its Connect code, message and field problems). */
export class BillingApiError extends Error {
  readonly status: number;
  readonly code: ErrorBody['code'];
  readonly details: ErrorBody['details'];
  /** The gateway's `x-request-id` for the call, to quote when asking about it. */
  readonly requestId: string | null;

  constructor(status: number, body: ErrorBody, requestId: string | null) {
    super(`${status} ${body.code}: ${body.message}`);
    this.name = 'BillingApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.requestId = requestId;
  }
}

const MUTATING = new Set(['POST', 'PATCH']);
const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The fetch every call goes through. A POST or PATCH gets an `Idempotency-Key` (a UUID) unless the
 * caller gave one, before the first try, so every retry carries the same key and the API runs the
 * operation at most once. A call is tried again after a 429 (refused before running), a 503, a 409
 * that names a Retry-After (the same key still running) or a network failure, waiting what
 * Retry-After says, else an exponential backoff with jitter.
 */
export function retryingFetch(options: Pick<BillingClientOptions, 'maxRetries' | 'maxRetryDelayMs' | 'baseRetryDelayMs' | 'fetch'> = {}): typeof fetch {
  const send = options.fetch ?? globalThis.fetch;
  const maxRetries = options.maxRetries ?? 3;
  const maxDelay = options.maxRetryDelayMs ?? 10_000;
  const baseDelay = options.baseRetryDelayMs ?? 200;
  return async (input, init) => {
    let request = new Request(input, init);
    if (MUTATING.has(request.method) && !request.headers.has(IDEMPOTENCY_HEADER)) {
      const headers = new Headers(request.headers);
      headers.set(IDEMPOTENCY_HEADER, crypto.randomUUID());
      request = new Request(request, { headers });
    }
    for (let attempt = 0; ; attempt += 1) {
      const backoff = Math.min(maxDelay, baseDelay * 2 ** attempt * (0.5 + Math.random() / 2));
      let response: Response;
      try {
        response = await send(request.clone());
      } catch (error) {
        if (attempt >= maxRetries || request.signal.aborted) throw error;
        await sleep(backoff, request.signal);
        continue;
      }
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      const retryable = response.status === 429 || response.status === 503 || (response.status === 409 && retryAfter !== undefined);
      if (!retryable || attempt >= maxRetries) return response;
      await response.body?.cancel();
      await sleep(Math.min(maxDelay, retryAfter ?? backoff), request.signal);
    }
  };
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'string' &&
    'message' in value && typeof value.message === 'string';
}

/** The generated client, configured: base URL, key, the retrying fetch, failures as BillingApiError. */
export function createFetchClient(options: BillingClientOptions): Client {
  const client = createClient(createConfig({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    auth: options.apiKey,
    fetch: retryingFetch(options),
    throwOnError: true,
  }));
  client.interceptors.error.use((error, response) => {
    // No answer at all (the network, after every retry): the fetch's own error, unchanged.
    if (response === undefined) return error;
    const body = isErrorBody(error) ? error : { code: 'unknown' as const, message: String(error), details: [] };
    return new BillingApiError(response?.status ?? 0, body, response?.headers.get('x-request-id') ?? null);
  });
  return client;
}

/** Every operation of the API, as methods, sent through a configured client. */
export function createBillingApi(options: BillingClientOptions): BillingApi {
  return new BillingApi({ client: createFetchClient(options) });
}
