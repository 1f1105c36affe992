import { DEFAULT_UNITS_CONFIG, parseUnitRegistry } from '@billing/money';
import { duration, logLevel, metricsVariables, oneOf, optionalText, parsed, port, readEnv, serviceCredentialVariables, text } from '@billing/runtime';
import { ECB_DEFAULT_BASE_URL } from './providers/ecb.ts';
import { OPENEXCHANGERATES_DEFAULT_BASE_URL } from './providers/openexchangerates.ts';

export const RATE_PROVIDERS = ['static', 'openexchangerates', 'ecb'] as const;
export type RateProviderName = (typeof RATE_PROVIDERS)[number];

/** Everything rates-service reads from its environment, validated once at start-up. */
export function readRatesEnv(source: Record<string, string | undefined> = process.env) {
  return readEnv(
    {
      RATES_SERVICE_PORT: port(50052),
      RATES_SERVICE_HOST: text('0.0.0.0'),
      RATES_PROVIDER: oneOf(RATE_PROVIDERS, 'static'),
      RATES_STATIC_FILE: optionalText(),
      /** 0ms: every call asks the provider. */
      RATES_CACHE_TTL: duration('5m', '0ms', '24h'),
      RATES_MAX_STALENESS: duration('24h', '0ms', '30d'),
      RATES_PROVIDER_TIMEOUT: duration('5s', '100ms', '1m'),
      RATES_PROVIDER_RETRY_AFTER: duration('10s', '0ms', '1h'),
      /** Required when RATES_PROVIDER is openexchangerates; a secret, never logged. */
      OPENEXCHANGERATES_APP_ID: optionalText(),
      OPENEXCHANGERATES_BASE_URL: text(OPENEXCHANGERATES_DEFAULT_BASE_URL),
      ECB_BASE_URL: text(ECB_DEFAULT_BASE_URL),
      /**
       * The registered non-fiat units (`CODE:EXPONENT` pairs, default `BTC:8,ETH:18,POINTS:0`), so
       * a unit asked for a rate is refused as one, not as an unknown code.
       */
      LEDGER_UNITS: parsed(DEFAULT_UNITS_CONFIG, parseUnitRegistry),
      LOG_LEVEL: logLevel(),
      /** `/metrics`, apart from the gRPC port. */
      ...metricsVariables('rates-service'),
      /** Required of every caller of a business RPC. */
      ...serviceCredentialVariables(),
    },
    source,
  );
}

export type RatesEnv = ReturnType<typeof readRatesEnv>;
