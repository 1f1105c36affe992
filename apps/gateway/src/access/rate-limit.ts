import rateLimit from '@fastify/rate-limit';
import { Code, ConnectError } from '@connectrpc/connect';
import type { FastifyInstance } from 'fastify';
import type { Db } from '@billing/db';

const MINUTE_MS = 60_000;
/** A replica leases the tokens its key's bucket refills in this long (at least one token). */
const DEFAULT_LEASE_MS = 100;
/** Keys a replica keeps lease state for; past it the state starts over (unspent tokens are dropped). */
const LOCAL_KEYS_LIMIT = 10_000;

/** A lease taken from a shared bucket. */
export interface Lease {
  /** Tokens taken, 0 to `want`: fewer when the bucket holds fewer. */
  leased: number;
  /** Tokens the bucket holds after the lease, fractional: they refill continuously. */
  tokens: number;
}

/**
 * Token buckets in PostgreSQL, one row per API key, shared by every gateway replica. A bucket
 * holds up to `max` tokens and refills at `max` per minute. One statement refills the bucket and
 * takes up to `want` whole tokens from it under the row's lock, judged by the database's clock,
 * so replicas never disagree and no lost update can hand out a token twice.
 */
export function tokenBuckets(db: Db) {
  return {
    async lease(bucket: string, max: number, want: number): Promise<Lease> {
      // Tokens the bucket holds now: what it had plus the refill since, capped at max. `now()` can
      // trail a concurrent writer's clock by a little, hence greatest(0, ...). Every expression of
      // the SET list reads the row as it was before the statement.
      const refilled = `least(:max::float8, b.tokens + greatest(0, extract(epoch from now() - b.refilled_at)) * :max::float8 / 60.0)`;
      const taken = `least(:want::integer, floor(${refilled})::integer)`;
      const { rows } = await db.raw<{ rows: Array<{ leased: number; tokens: number }> }>(
        `INSERT INTO rate_limit_buckets AS b (bucket, tokens, refilled_at, granted, leased)
         VALUES (:bucket, :max::float8 - least(:want::integer, :max::integer), now(), true, least(:want::integer, :max::integer))
         ON CONFLICT (bucket) DO UPDATE SET
           leased = ${taken},
           tokens = ${refilled} - ${taken},
           granted = ${taken} > 0,
           refilled_at = greatest(b.refilled_at, now())
         RETURNING leased, tokens`,
        { bucket, max: Math.floor(max), want },
      );
      const row = rows[0];
      if (row === undefined) throw new Error('rate limit bucket statement returned no row');
      return { leased: Number(row.leased), tokens: Number(row.tokens) };
    },
  };
}

export type TokenBuckets = ReturnType<typeof tokenBuckets>;

/** One request's turn at a key's tokens. */
export interface Take {
  granted: boolean;
  /** Whole tokens this key has left, as far as this replica knows. */
  remaining: number;
  /** Refused: how long until the bucket holds a token again. */
  retryAfterMs: number;
}

interface KeyState {
  max: number;
  /** Tokens leased to this replica and not spent yet. */
  local: number;
  /** What the shared bucket held after this replica's last lease. */
  shared: number;
  /** Refused without asking the database again until then (the bucket's next token). */
  emptyUntil: number;
  /** The lease in flight: concurrent requests wait for it rather than each asking. */
  leasing: Promise<void> | undefined;
}

/**
 * A replica's share of the shared buckets: it leases tokens in chunks (the refill of `leaseMs`,
 * at least one) and spends them in memory, so a busy key costs one statement per chunk instead
 * of one per request. A key whose bucket is empty is refused here until its next token is due.
 * docs/security.md gives the bound this puts on the replicas together.
 */
export function leasedTokens(buckets: TokenBuckets, { leaseMs = DEFAULT_LEASE_MS }: { leaseMs?: number } = {}) {
  const keys = new Map<string, KeyState>();
  const chunkOf = (max: number) => Math.max(1, Math.floor((max * leaseMs) / MINUTE_MS));

  async function lease(bucket: string, state: KeyState): Promise<void> {
    const { leased, tokens } = await buckets.lease(bucket, state.max, chunkOf(state.max));
    state.local += leased;
    state.shared = tokens;
    if (leased === 0) state.emptyUntil = Date.now() + Math.ceil((1 - tokens) * (MINUTE_MS / state.max));
  }

  return {
    /** Takes one token for a request on `bucket`, whose limit is `max` per minute. */
    async take(bucket: string, max: number): Promise<Take> {
      let state = keys.get(bucket);
      if (state === undefined || state.max !== max) {
        if (keys.size >= LOCAL_KEYS_LIMIT) keys.clear();
        state = { max, local: 0, shared: max, emptyUntil: 0, leasing: undefined };
        keys.set(bucket, state);
      }
      for (;;) {
        if (state.local >= 1) {
          state.local -= 1;
          return { granted: true, remaining: Math.floor(state.local + state.shared), retryAfterMs: 0 };
        }
        const now = Date.now();
        if (now < state.emptyUntil) return { granted: false, remaining: 0, retryAfterMs: state.emptyUntil - now };
        if (state.leasing === undefined) {
          const current = state;
          current.leasing = lease(bucket, current).finally(() => {
            current.leasing = undefined;
          });
        }
        // Whoever took the tokens of this lease first, a request comes back here and tries again.
        await state.leasing;
      }
    },
  };
}

export type LeasedTokens = ReturnType<typeof leasedTokens>;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit's store interface over the leased tokens. The plugin thinks in "requests
 * counted in a window": a granted request reports `max - tokens left` as counted and, as the time
 * to reset, how long until the bucket is full again; a refused one reports one over the limit and
 * how long until the next token, which becomes `Retry-After`.
 */
function storeClass(tokens: LeasedTokens) {
  return class LeasedTokenStore {
    incr(key: string, callback: Callback, _timeWindow: number, max: number): void {
      tokens.take(key, max).then(
        ({ granted, remaining, retryAfterMs }) => {
          const msPerToken = MINUTE_MS / max;
          if (granted) callback(null, { current: max - remaining, ttl: Math.ceil((max - remaining) * msPerToken) });
          else callback(null, { current: max + 1, ttl: Math.max(1, retryAfterMs) });
        },
        (error: unknown) => {
          callback(new ConnectError('rate limit store unavailable', Code.Unavailable, undefined, undefined, error));
        },
      );
    }

    child(): LeasedTokenStore {
      return this;
    }
  };
}

export interface RateLimitOptions {
  /** Each lease takes the tokens the key's bucket refills in this long (default 100 ms). */
  leaseMs?: number;
}

/**
 * Rate limits per API key with @fastify/rate-limit and the PostgreSQL buckets: headers per the
 * IETF httpapi ratelimit-headers draft (`RateLimit-Limit`, `-Remaining`, `-Reset`) on every keyed
 * response, 429 `resource_exhausted` with `Retry-After` past the limit. Register on the root
 * instance after authentication and before the routes; public routes are not limited.
 */
export async function installRateLimit(app: FastifyInstance, buckets: TokenBuckets, options: RateLimitOptions = {}): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    enableDraftSpec: true,
    timeWindow: MINUTE_MS,
    store: storeClass(leasedTokens(buckets, options)) as never,
    allowList: (request) => request.caller === null,
    keyGenerator: (request) => request.caller?.keyId ?? '',
    max: (request) => request.caller?.rateLimitPerMinute ?? 1,
    errorResponseBuilder: (request, context) =>
      new ConnectError(`rate limit of ${context.max} requests per minute exceeded for this key; retry in ${context.after}`, Code.ResourceExhausted),
  });
}
