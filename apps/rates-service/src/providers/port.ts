/**
 * The port every exchange-rate source plugs into: the shipped `static` file, Open Exchange
 * Rates (USD base, latest.json / historical/YYYY-MM-DD.json) and the ECB (EUR base, daily and
 * historical XML). The TTL cache with a staleness bound (cached.ts) is a decorator that
 * implements this same interface around another provider, so callers never change.
 */
export interface RateSnapshot {
  /** The currency every rate in `rates` is quoted against: the provider's own base. */
  readonly base: string;
  /** When the provider published these rates (not when we fetched them). */
  readonly asOf: Date;
  /** Where the figures came from, starting with the provider's name, e.g. "static: ...". */
  readonly source: string;
  /**
   * Units of each currency for one `base`, as exact positive decimal strings, keyed by ISO
   * 4217 code. The base itself may be listed (as "1") or not.
   */
  readonly rates: ReadonlyMap<string, string>;
}

export interface RateProvider {
  /** The RATES_PROVIDER value that selects it: "static", "openexchangerates", "ecb". */
  readonly name: string;
  /**
   * The rates in force at `at` (now when omitted). A provider without history answers with
   * the snapshot it has, whose `asOf` says what it really is. Rejects with
   * RateProviderUnavailableError when it cannot answer; never resolves with partial or
   * unparsed data.
   */
  snapshot(at?: Date): Promise<RateSnapshot>;
  /**
   * Which published snapshot `at` falls on ("latest", "2026-11-20"): two times with the same key
   * get the same answer, so the cache stores one entry per key. Providers without it are cached
   * per exact `at`.
   */
  snapshotKey?(at?: Date): string;
}

/** The provider could not answer (down, timed out, or sent something that is not rates). */
export class RateProviderUnavailableError extends Error {
  override readonly name = 'RateProviderUnavailableError';
}

/**
 * The provider works, but publishes nothing for the time asked (before its history starts). Not
 * an outage: the cache does not serve an older snapshot for it, and the caller gets a 400.
 */
export class RatesNotPublishedError extends Error {
  override readonly name = 'RatesNotPublishedError';
}
