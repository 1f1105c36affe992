/**
 * The port every exchange-rate source plugs into: the shipped `static` file today, and later
 * Open Exchange Rates (USD base, latest.json / historical/YYYY-MM-DD.json) and the ECB (EUR
 * base, daily and historical XML). A TTL cache with a staleness bound is a decorator that
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
}

/** The provider could not answer (down, timed out, or sent something that is not rates). */
export class RateProviderUnavailableError extends Error {
  override readonly name = 'RateProviderUnavailableError';
}
