// Units beyond ISO 4217 (crypto assets, loyalty points) that wallets and the ledger hold. A unit
// is a code and an exponent, carried exactly like a currency: a bigint of minor units (satoshi,
// wei, points) and strict parsing to its exponent. The registry is built once from configuration
// and is immutable; ISO 4217 stays the default everywhere a bare code string is resolved, so a
// unit is only ever reached through a registry a caller chose to consult.
// ISO codes resolve through the ISO table itself, so its messages (and upper-case hint) stay one wording.
import { currency as resolveIso, CURRENCY_CODES, isCurrency, markRegisteredUnit } from './currencies.ts';
import type { Currency } from './currencies.ts';
import { MoneyError } from './money-error.ts';

export type UnitRegistry = {
  /** The registered units by code, in the order configured. */
  readonly units: ReadonlyMap<string, Currency>;
};

/** What a code names: an active ISO 4217 currency, a registered non-fiat unit, or nothing known. */
export type CodeKind = 'iso4217' | 'unit' | 'unknown';

/** The units registered when a deployment configures none. */
export const DEFAULT_UNITS_CONFIG = 'BTC:8,ETH:18,POINTS:0';

// Upper-case letters and digits, starting with a letter: "BTC", "POINTS", "USDC". Unit codes are
// stored in the same text columns as currency codes, so they stay short and unambiguous.
const UNIT_CODE = /^[A-Z][A-Z0-9]{1,11}$/;
const EXPONENT = /^(0|[1-9][0-9]?)$/;
// Parsed amounts have at most 14 integer digits; 14 + 36 decimals keeps every amount well inside
// the ledger's numeric(78,0) columns (a uint256 has 78 digits).
export const MAX_UNIT_EXPONENT = 36;

/**
 * Parses a unit configuration such as "BTC:8,ETH:18,POINTS:0,GOLD:3". An empty string registers
 * no units. Any bad entry is refused with a MoneyError('invalid_config') naming it.
 */
export function parseUnitRegistry(config: string): UnitRegistry {
  if (typeof config !== 'string') {
    throw new MoneyError('invalid_config', `the unit configuration must be a string, got ${typeof config}`);
  }
  const units = new Map<string, Currency>();
  if (config.trim() === '') return Object.freeze({ units });
  config.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const where = `unit entry ${index + 1} (${JSON.stringify(raw)})`;
    const parts = entry.split(':');
    if (parts.length !== 2) {
      throw new MoneyError('invalid_config', `${where} must look like CODE:EXPONENT, e.g. "BTC:8"`);
    }
    const [code = '', exponentText = ''] = parts.map((part) => part.trim());
    if (!UNIT_CODE.test(code)) {
      throw new MoneyError('invalid_config',
        `${where} has the code ${JSON.stringify(code)}; a unit code is 2 to 12 upper-case letters or digits, starting with a letter`);
    }
    if (isCurrency(code)) {
      throw new MoneyError('invalid_config', `${where} reuses ${code}, which is an ISO 4217 currency; pick another code`);
    }
    if (units.has(code)) throw new MoneyError('invalid_config', `${where} registers ${code} a second time`);
    if (!EXPONENT.test(exponentText) || Number(exponentText) > MAX_UNIT_EXPONENT) {
      throw new MoneyError('invalid_config',
        `${where} has the exponent ${JSON.stringify(exponentText)}; it must be a whole number from 0 to ${MAX_UNIT_EXPONENT}`);
    }
    const unit: Currency = Object.freeze({ code, exponent: Number(exponentText) });
    markRegisteredUnit(unit);
    units.set(code, unit);
  });
  return Object.freeze({ units });
}

/** BTC (8 decimals), ETH (18) and POINTS (0). */
export const DEFAULT_UNITS: UnitRegistry = parseUnitRegistry(DEFAULT_UNITS_CONFIG);

export function codeKind(code: string, registry: UnitRegistry = DEFAULT_UNITS): CodeKind {
  if (isCurrency(code)) return 'iso4217';
  return registry.units.has(code) ? 'unit' : 'unknown';
}

/**
 * The currency or registered unit a code names, for wallets and the ledger. Throws
 * MoneyError('unknown_currency') naming what is accepted otherwise.
 */
export function currencyOrUnit(code: string, registry: UnitRegistry = DEFAULT_UNITS): Currency {
  const unit = registry.units.get(code);
  if (unit !== undefined) return unit;
  if (isCurrency(code)) return resolveIso(code);
  const registered = [...registry.units.keys()];
  const units = registered.length === 0 ? 'no units are registered' : `registered units: ${registered.join(', ')}`;
  throw new MoneyError('unknown_currency',
    `${JSON.stringify(code)} is neither an active ISO 4217 currency code nor a registered unit (${units})`);
}

/**
 * For bills and exchange rates, which are ISO 4217 only: a registered unit is refused with
 * MoneyError('not_fiat') saying so, an unknown code with MoneyError('unknown_currency').
 */
export function requireFiat(code: string, registry: UnitRegistry = DEFAULT_UNITS): Currency {
  if (registry.units.has(code)) {
    throw new MoneyError('not_fiat',
      `${code} is a registered non-fiat unit; bills and exchange rates accept only ISO 4217 currencies`);
  }
  return resolveIso(code);
}

export type BillCurrencies = {
  /** The ISO 4217 codes bills may be opened in, sorted. */
  readonly codes: readonly string[];
};

/**
 * Parses the allow-list of bill currencies, e.g. "USD,EUR,GEL". Unset or blank means every active
 * ISO 4217 code. A unit, an unknown code or a repeated code is refused, naming the entry.
 */
export function parseBillCurrencies(config: string | undefined, registry: UnitRegistry = DEFAULT_UNITS): BillCurrencies {
  if (config === undefined || config.trim() === '') return Object.freeze({ codes: CURRENCY_CODES });
  const codes = new Set<string>();
  config.split(',').forEach((raw, index) => {
    const code = raw.trim();
    const where = `bill currency entry ${index + 1} (${JSON.stringify(raw)})`;
    if (registry.units.has(code)) {
      throw new MoneyError('invalid_config', `${where} is ${code}, a non-fiat unit; bills accept only ISO 4217 currencies`);
    }
    if (!isCurrency(code)) {
      throw new MoneyError('invalid_config', `${where} is not an active ISO 4217 currency code`);
    }
    if (codes.has(code)) throw new MoneyError('invalid_config', `${where} lists ${code} a second time`);
    codes.add(code);
  });
  return Object.freeze({ codes: Object.freeze([...codes].sort()) });
}

/**
 * The currency of a new bill: ISO 4217 (a unit is MoneyError('not_fiat')) and on the deployment's
 * allow-list (otherwise MoneyError('currency_not_allowed') naming the list).
 */
export function requireBillCurrency(code: string, allowed: BillCurrencies, registry: UnitRegistry = DEFAULT_UNITS): Currency {
  const found = requireFiat(code, registry);
  if (!allowed.codes.includes(code)) {
    throw new MoneyError('currency_not_allowed',
      `${code} is not accepted on bills here; accepted currencies: ${allowed.codes.join(', ')}`);
  }
  return found;
}
