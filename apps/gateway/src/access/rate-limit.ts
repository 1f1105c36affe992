import rateLimit from '@fastify/rate-limit';
import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyInstance } from 'fastify';
import type { Db } from '@billing/db';

const MINUTE_MS = 60_000;

/** One bucket after taking a token from it (or failing to). */
export interface BucketState {
  granted: boolean;
  /** Tokens left, fractional: they refill continuously. */
  tokens: number;
}

/**
 * Token buckets in PostgreSQL, one row per API key, so every gateway replica draws from the same
 * bucket. A bucket holds up to `max` tokens and refills at `max` per minute; each request takes
 * one. One statement per request reads, refills and takes under the row's lock, judged by the
 * database's clock, so replicas never disagree and no lost update can hand out a token twice.
 */
export function tokenBuckets(db: Db) {
  return {
    async take(bucket: string, max: number): Promise<BucketState> {
      // Tokens the bucket holds now: what it had plus the refill since, capped at max. `now()` can
      // trail a concurrent writer's clock by a little, hence greatest(0, ...).
      const refilled = `least(:max::float8, b.tokens + greatest(0, extract(epoch from now() - b.refilled_at)) * :max::float8 / 60.0)`;
      const { rows } = await db.raw<{ rows: Array<{ granted: boolean; tokens: number }> }>(
        `INSERT INTO rate_limit_buckets AS b (bucket, tokens, refilled_at, granted)
         VALUES (:bucket, :max::float8 - 1, now(), true)
         ON CONFLICT (bucket) DO UPDATE SET
           tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
           granted = ${refilled} >= 1,
           refilled_at = greatest(b.refilled_at, now())
         RETURNING granted, tokens`,
        { bucket, max },
      );
      const row = rows[0];
      if (row === undefined) throw new Error('rate limit bucket statement returned no row');
      return { granted: row.granted, tokens: Number(row.tokens) };
    },
  };
}

export type TokenBuckets = ReturnType<typeof tokenBuckets>;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit's store interface over the buckets. The plugin thinks in "requests counted
 * in a window": a granted request reports `max - tokens left` as counted and, as the time to reset,
 * how long until the bucket is full again; a refused one reports one over the limit and how long
 * until the next token, which becomes `Retry-After`.
 */
function storeClass(buckets: TokenBuckets) {
  return class TokenBucketStore {
    incr(key: string, callback: Callback, _timeWindow: number, max: number): void {
      buckets.take(key, max).then(
        ({ granted, tokens }) => {
          const msPerToken = MINUTE_MS / max;
          if (granted) callback(null, { current: max - Math.floor(tokens), ttl: Math.ceil((max - tokens) * msPerToken) });
          else callback(null, { current: max + 1, ttl: Math.max(1, Math.ceil((1 - tokens) * msPerToken)) });
        },
        (error: unknown) => {
          callback(new ConnectError('rate limit store unavailable', Code.Unavailable, undefined, undefined, error));
        },
      );
    }

    child(): TokenBucketStore {
      return this;
    }
  };
}

/**
 * Rate limits per API key with @fastify/rate-limit and the PostgreSQL buckets: headers per the
 * IETF httpapi ratelimit-headers draft (`RateLimit-Limit`, `-Remaining`, `-Reset`) on every keyed
 * response, 429 `resource_exhausted` with `Retry-After` past the limit. Register on the root
 * instance after authentication and before the routes; public routes are not limited.
 */
export async function installRateLimit(app: FastifyInstance, buckets: TokenBuckets): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    enableDraftSpec: true,
    timeWindow: MINUTE_MS,
    store: storeClass(buckets) as never,
    allowList: (request) => request.caller === null,
    keyGenerator: (request) => request.caller?.keyId ?? '',
    max: (request) => request.caller?.rateLimitPerMinute ?? 1,
    errorResponseBuilder: (request, context) =>
      new ConnectError(`rate limit of ${context.max} requests per minute exceeded for this key; retry in ${context.after}`, Code.ResourceExhausted),
  });
}
