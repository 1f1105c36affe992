import { duration, oneOf, optionalText, port, readEnv, text } from '@billing/runtime';

export const RATE_PROVIDERS = ['static', 'openexchangerates', 'ecb'] as const;
export type RateProviderName = (typeof RATE_PROVIDERS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Everything rates-service reads from its environment, validated once at start-up. */
export function readRatesEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv(
    {
      RATES_SERVICE_PORT: port(50052),
      RATES_SERVICE_HOST: text('0.0.0.0'),
      RATES_PROVIDER: oneOf(RATE_PROVIDERS, 'static'),
      RATES_STATIC_FILE: optionalText(),
      RATES_CACHE_TTL: duration('5m'),
      RATES_MAX_STALENESS: duration('24h'),
      LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
    },
    source,
  );
}

export type RatesEnv = ReturnType<typeof readRatesEnv>;
