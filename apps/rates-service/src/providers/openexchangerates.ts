import { isCurrency, parseRate } from '@billing/money';
import { fetchText } from './fetch-text.ts';
import { JsonNumber, jsonNumberToDecimal, NotJsonError, parseJsonKeepingNumbers } from './json-numbers.ts';
import { RateProviderUnavailableError, type RateProvider, type RateSnapshot } from './port.ts';
import { requestedDay, requestedDayKey } from './requested-day.ts';

export const OPENEXCHANGERATES_DEFAULT_BASE_URL = 'https://openexchangerates.org/api';

export interface OpenExchangeRatesOptions {
  appId: string;
  baseUrl?: string;
  timeoutMs: number;
  now?: () => Date;
}

const NAME = 'openexchangerates';

/**
 * Open Exchange Rates: `latest.json` for now and `historical/YYYY-MM-DD.json` (the end-of-day
 * rates of that UTC day) for an earlier `at`. Rates are against USD on the plans we call.
 */
export function openExchangeRatesProvider(options: OpenExchangeRatesOptions): RateProvider {
  const baseUrl = (options.baseUrl ?? OPENEXCHANGERATES_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  return {
    name: NAME,
    snapshotKey: (at) => requestedDayKey(requestedDay(at, now())),
    async snapshot(at) {
      const requested = requestedDay(at, now());
      const path = requested.kind === 'latest' ? 'latest.json' : `historical/${requested.day}.json`;
      const shownUrl = `${baseUrl}/${path}`;
      // The app id travels only in the real URL; logs and errors get shownUrl.
      const url = `${shownUrl}?app_id=${encodeURIComponent(options.appId)}`;
      const { status, text } = await fetchText(url, { provider: NAME, timeoutMs: options.timeoutMs, shownUrl });
      const failed = (reason: string) => new RateProviderUnavailableError(`${NAME}: ${reason} from ${shownUrl}`);
      if (status !== 200) throw failed(`HTTP ${status}${errorPayloadSummary(text)}`);
      try {
        return parseOpenExchangeRates(text, path);
      } catch (error) {
        throw failed(`unusable payload: ${(error as Error).message}`);
      }
    },
  };
}

/**
 * A latest/historical payload: `{"timestamp": <unix seconds>, "base": "USD", "rates": {"AED":
 * 3.672538, ...}}`. Codes that are not active ISO 4217 currencies (BTC, CNH, XAG ...) are left
 * out; any rate for an ISO code that is not a positive decimal rejects the whole payload, because
 * a payload we cannot fully read is not trusted for the codes we can.
 */
export function parseOpenExchangeRates(text: string, path: string): RateSnapshot {
  let raw: unknown;
  try {
    raw = parseJsonKeepingNumbers(text);
  } catch (error) {
    if (error instanceof NotJsonError) throw new Error(`not JSON (${error.message})`, { cause: error });
    throw error;
  }
  if (!isObject(raw)) throw new Error('not a JSON object');
  if (raw.error === true) throw new Error(`error payload${errorPayloadSummary(text)}`);
  const { timestamp, base, rates } = raw;
  if (!(timestamp instanceof JsonNumber) || !/^[1-9][0-9]{0,11}$/.test(timestamp.text)) {
    throw new Error('"timestamp" must be whole unix seconds');
  }
  if (typeof base !== 'string' || !isCurrency(base)) throw new Error(`"base" must be an ISO 4217 code, got ${JSON.stringify(base)}`);
  if (!isObject(rates)) throw new Error('"rates" must be an object');

  const parsed = new Map<string, string>();
  for (const [code, value] of Object.entries(rates)) {
    if (!/^[A-Z]{3}$/.test(code)) throw new Error(`${JSON.stringify(code)} is not a currency code`);
    if (!isCurrency(code)) continue;
    if (!(value instanceof JsonNumber)) throw new Error(`the rate for ${code} must be a JSON number, got ${JSON.stringify(value)}`);
    let rate: string;
    try {
      rate = jsonNumberToDecimal(value.text);
      parseRate(rate);
    } catch (error) {
      throw new Error(`the rate for ${code}: ${(error as Error).message}`, { cause: error });
    }
    parsed.set(code, rate);
  }
  const ownRate = parsed.get(base);
  if (ownRate !== undefined && !/^1(\.0+)?$/.test(ownRate)) throw new Error(`the base ${base} is listed at ${ownRate}, not 1`);
  if (parsed.size === 0) throw new Error('"rates" has no ISO 4217 currency');
  const asOf = new Date(Number(timestamp.text) * 1000);
  return { base, asOf, source: `${NAME}: ${path} of ${asOf.toISOString()}`, rates: parsed };
}

/** `{"error": true, "status": 401, "message": "invalid_app_id"}` → " invalid_app_id", else "". */
function errorPayloadSummary(text: string): string {
  try {
    const payload = JSON.parse(text) as unknown;
    if (isObject(payload) && typeof payload.message === 'string') return ` ${payload.message.slice(0, 100)}`;
  } catch {
    // Not the documented error payload (an HTML error page, say): the status says enough.
  }
  return '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}
