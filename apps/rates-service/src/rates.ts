import { DEFAULT_UNITS, isCurrency, type UnitRegistry } from '@billing/money';
import { RateProviderUnavailableError, RatesNotPublishedError, type RateProvider, type RateSnapshot } from './providers/port.ts';
import { divideRates } from './rate-division.ts';

/**
 * The rates domain: validates currencies, asks the provider for a snapshot, and derives any
 * pair through the provider's base. Knows nothing about gRPC; connect.ts maps its errors.
 */

/** Not an active ISO 4217 code (or not a code at all). */
export class UnknownCurrencyError extends Error {
  override readonly name = 'UnknownCurrencyError';
}

/** A registered non-fiat unit (BTC, POINTS...): wallets hold them, but rates are between ISO 4217 currencies. */
export class NonFiatUnitError extends Error {
  override readonly name = 'NonFiatUnitError';
}

/** A real currency the provider publishes no rate for. */
export class UnsupportedCurrencyError extends Error {
  override readonly name = 'UnsupportedCurrencyError';
}

export interface Rate {
  base: string;
  quote: string;
  /** 1 base = rate quote, a positive decimal string. */
  rate: string;
  asOf: Date;
  source: string;
}

export interface RateTable {
  base: string;
  asOf: Date;
  source: string;
  rates: Map<string, string>;
}

export const DEFAULT_LIST_BASE = 'USD';

export interface Rates {
  getRate(base: string, quote: string, at?: Date): Promise<Rate>;
  listRates(base?: string): Promise<RateTable>;
}

/** `units`: the registered non-fiat units (LEDGER_UNITS), refused as such rather than as unknown codes. */
export function createRates(provider: RateProvider, units: UnitRegistry = DEFAULT_UNITS): Rates {
  const checkCurrency = (field: string, code: string) => checkFiat(field, code, units);
  return {
    async getRate(base, quote, at) {
      checkCurrency('base', base);
      checkCurrency('quote', quote);
      const snapshot = await snapshotFrom(provider, at);
      return { base, quote, rate: crossRate(snapshot, base, quote), asOf: snapshot.asOf, source: snapshot.source };
    },
    async listRates(base = DEFAULT_LIST_BASE) {
      checkCurrency('base', base);
      const snapshot = await snapshotFrom(provider);
      const rates = new Map<string, string>();
      for (const quote of [...knownCodes(snapshot)].sort()) rates.set(quote, crossRate(snapshot, base, quote));
      return { base, asOf: snapshot.asOf, source: snapshot.source, rates };
    },
  };
}

/** 1 `base` in `quote`, derived through the snapshot's base: rate(quote) / rate(base). */
export function crossRate(snapshot: RateSnapshot, base: string, quote: string): string {
  if (base === quote) return '1';
  const baseRate = rateOf(snapshot, base);
  const quoteRate = rateOf(snapshot, quote);
  // A rate against the provider's own base is what it published: pass it on unrounded.
  if (base === snapshot.base) return quoteRate;
  return divideRates(quoteRate, baseRate);
}

function rateOf(snapshot: RateSnapshot, code: string): string {
  if (code === snapshot.base) return '1';
  const rate = snapshot.rates.get(code);
  if (rate === undefined) {
    throw new UnsupportedCurrencyError(`no rate for "${code}": the rates provider does not publish it`);
  }
  return rate;
}

function knownCodes(snapshot: RateSnapshot): Set<string> {
  return new Set([snapshot.base, ...snapshot.rates.keys()]);
}

function checkFiat(field: string, code: string, units: UnitRegistry): void {
  if (code === '') throw new UnknownCurrencyError(`${field} is required: an ISO 4217 currency code such as "USD"`);
  if (units.units.has(code)) {
    throw new NonFiatUnitError(`${code} in ${field} is a registered non-fiat unit; rates take ISO 4217 currencies only`);
  }
  if (!isCurrency(code)) {
    const hint = isCurrency(code.toUpperCase()) ? ` (codes are upper case: "${code.toUpperCase()}")` : '';
    throw new UnknownCurrencyError(`unknown currency ${JSON.stringify(code)} in ${field}${hint}`);
  }
}

async function snapshotFrom(provider: RateProvider, at?: Date): Promise<RateSnapshot> {
  try {
    return await provider.snapshot(at);
  } catch (error) {
    if (error instanceof RateProviderUnavailableError || error instanceof RatesNotPublishedError) throw error;
    // Whatever else a provider throws still means "no rates right now", never a wrong rate.
    throw new RateProviderUnavailableError(`rates provider ${provider.name} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
