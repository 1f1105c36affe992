import { readFile } from 'node:fs/promises';
import { isCurrency, parseRate } from '@billing/money';
import type { RateProvider, RateSnapshot } from './port.ts';

/** The file shipped with the project; the same relative path holds from src/ and from dist/. */
export const DEFAULT_RATES_FILE = new URL('../../data/rates.json', import.meta.url);

/** The rates file is missing or wrong; the service refuses to start rather than serve it. */
export class RatesFileError extends Error {
  override readonly name = 'RatesFileError';
}

/**
 * Rates from a JSON file read once at start-up: `{ base, asOf, source, rates: { CODE: "1.23" } }`.
 * It works offline and in tests, and has no history: every `at` gets the same snapshot, whose
 * `asOf` tells the caller how old the figures are.
 */
export async function loadStaticProvider(file: URL | string = DEFAULT_RATES_FILE): Promise<RateProvider> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RatesFileError(`cannot read rates file ${String(file)}: ${(error as Error).message}`);
  }
  const snapshot = parseRatesFile(text, String(file));
  return {
    name: 'static',
    snapshot: async () => snapshot,
  };
}

export function parseRatesFile(text: string, origin: string): RateSnapshot {
  const problem = (message: string) => new RatesFileError(`rates file ${origin}: ${message}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw problem(`not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw problem('must be a JSON object');
  const { base, asOf, source, rates } = raw as Record<string, unknown>;
  if (typeof base !== 'string' || !isCurrency(base)) throw problem(`"base" must be an ISO 4217 code, got ${JSON.stringify(base)}`);
  if (typeof asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(asOf) || Number.isNaN(Date.parse(asOf))) {
    throw problem(`"asOf" must be an RFC 3339 time, got ${JSON.stringify(asOf)}`);
  }
  if (typeof source !== 'string' || source.trim() === '') throw problem('"source" must say where the figures came from');
  if (typeof rates !== 'object' || rates === null || Array.isArray(rates)) throw problem('"rates" must be an object');

  const parsed = new Map<string, string>();
  for (const [code, rate] of Object.entries(rates)) {
    if (!isCurrency(code)) throw problem(`"${code}" is not an ISO 4217 currency code`);
    // Rates are strings so no float ever touches them; parseRate refuses anything else.
    if (typeof rate !== 'string') throw problem(`the rate for ${code} must be a decimal string, got ${JSON.stringify(rate)}`);
    try {
      parseRate(rate);
    } catch (error) {
      throw problem(`the rate for ${code}: ${(error as Error).message}`);
    }
    parsed.set(code, rate);
  }
  const ownRate = parsed.get(base);
  if (ownRate !== undefined && ownRate.replace(/\.0*$/, '') !== '1') throw problem(`the base ${base} must be listed at "1", got "${ownRate}"`);
  if (parsed.size === 0) throw problem('"rates" is empty');
  return { base, asOf: new Date(asOf), source, rates: parsed };
}
