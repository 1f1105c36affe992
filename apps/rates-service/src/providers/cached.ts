import type { GrpcLogger } from '@billing/grpc-kit';
import { RateProviderUnavailableError, RatesNotPublishedError, type RateProvider, type RateSnapshot } from './port.ts';

export interface CacheOptions {
  /** A snapshot fetched less than this long ago is served without asking the provider (RATES_CACHE_TTL). */
  ttlMs: number;
  /**
   * While the provider fails, a snapshot fetched less than this long ago is still served, with
   * its own as-of (RATES_MAX_STALENESS). Measured from when we fetched it, not from its as-of:
   * the ECB's Friday rates are still the current ones on Monday, and a past day's rates never
   * change, so the age of the publication says nothing about whether our copy is still right.
   */
  maxStalenessMs: number;
  /**
   * After a failed fetch, calls for the same key within this long reuse the failure (serving the
   * cached snapshot or failing fast) instead of each waiting for a provider that is down
   * (RATES_PROVIDER_RETRY_AFTER).
   */
  retryAfterMs: number;
  logger: GrpcLogger;
  /** At most this many keys (days) are kept; the oldest used goes first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  snapshot: RateSnapshot;
  fetchedAt: number;
}

/**
 * The TTL cache with a staleness bound, as a provider around another provider. Concurrent
 * misses for one key share one fetch. A failure is logged once per fetch and never cached as
 * rates: the caller gets a cached snapshot young enough to serve, or UNAVAILABLE.
 */
export function cachedProvider(provider: RateProvider, options: CacheOptions): RateProvider {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 1_000;
  const entries = new Map<string, Entry>();
  const failures = new Map<string, { error: RateProviderUnavailableError; at: number }>();
  const inFlight = new Map<string, Promise<RateSnapshot>>();
  const keyOf = (at?: Date) => provider.snapshotKey?.(at) ?? (at === undefined ? 'latest' : at.toISOString());

  function servable(key: string): Entry | undefined {
    const entry = entries.get(key);
    return entry !== undefined && now() - entry.fetchedAt <= options.maxStalenessMs ? entry : undefined;
  }

  function remember(key: string, snapshot: RateSnapshot): void {
    entries.delete(key);
    entries.set(key, { snapshot, fetchedAt: now() });
    failures.delete(key);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  }

  function fetchOnce(key: string, at: Date | undefined): Promise<RateSnapshot> {
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const fetching = provider.snapshot(at).then(
      (snapshot) => {
        remember(key, snapshot);
        return snapshot;
      },
      (error: unknown) => {
        if (error instanceof RatesNotPublishedError) throw error;
        const failure = error instanceof RateProviderUnavailableError
          ? error
          : new RateProviderUnavailableError(`${provider.name}: ${(error as Error).message}`, { cause: error });
        failures.set(key, { error: failure, at: now() });
        const fallback = servable(key);
        options.logger.warn({
          provider: provider.name,
          key,
          reason: failure.message,
          servingCachedAsOf: fallback?.snapshot.asOf.toISOString() ?? null,
          cachedAgeMs: fallback === undefined ? null : now() - fallback.fetchedAt,
        }, fallback === undefined ? 'rates provider failed; no cached rates young enough to serve' : 'rates provider failed; serving cached rates');
        throw failure;
      },
    ).finally(() => inFlight.delete(key));
    inFlight.set(key, fetching);
    return fetching;
  }

  function fallbackOr(key: string, error: RateProviderUnavailableError): RateSnapshot {
    const entry = servable(key);
    if (entry === undefined) throw error;
    return entry.snapshot;
  }

  return {
    name: provider.name,
    snapshotKey: keyOf,
    async snapshot(at) {
      const key = keyOf(at);
      const entry = entries.get(key);
      if (entry !== undefined && now() - entry.fetchedAt < options.ttlMs) return entry.snapshot;
      const failure = failures.get(key);
      if (failure !== undefined && now() - failure.at < options.retryAfterMs) return fallbackOr(key, failure.error);
      try {
        return await fetchOnce(key, at);
      } catch (error) {
        if (error instanceof RateProviderUnavailableError) return fallbackOr(key, error);
        throw error;
      }
    },
  };
}
