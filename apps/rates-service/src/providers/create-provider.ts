import type { GrpcLogger } from '@billing/grpc-kit';
import { EnvError } from '@billing/runtime';
import type { RateProviderName } from '../env.ts';
import { cachedProvider } from './cached.ts';
import { ecbProvider } from './ecb.ts';
import { openExchangeRatesProvider } from './openexchangerates.ts';
import type { RateProvider } from './port.ts';
import { DEFAULT_RATES_FILE, loadStaticProvider } from './static.ts';

export interface ProviderConfig {
  provider: RateProviderName;
  /** Path of a rates file to use instead of the shipped one (static provider). */
  staticFile?: string;
  openExchangeRates?: { appId?: string; baseUrl?: string };
  ecb?: { baseUrl?: string };
  /** Network providers: deadline of one request (RATES_PROVIDER_TIMEOUT); default 5 s. */
  timeoutMs?: number;
  /** Network providers are cached; defaults as in env.ts (5m, 24h, 10s). */
  cache?: { ttlMs?: number; maxStalenessMs?: number; retryAfterMs?: number };
  /** Where provider failures are logged. */
  logger?: GrpcLogger;
}

const silent: GrpcLogger = { info() {}, warn() {}, error() {} };

/**
 * The provider RATES_PROVIDER selects. The static file is in memory already; the network
 * providers sit behind the TTL cache with its staleness bound.
 */
export async function createRateProvider(config: ProviderConfig): Promise<RateProvider> {
  const timeoutMs = config.timeoutMs ?? 5_000;
  const cached = (provider: RateProvider) => cachedProvider(provider, {
    ttlMs: config.cache?.ttlMs ?? 300_000,
    maxStalenessMs: config.cache?.maxStalenessMs ?? 86_400_000,
    retryAfterMs: config.cache?.retryAfterMs ?? 10_000,
    logger: config.logger ?? silent,
  });
  switch (config.provider) {
    case 'static':
      return loadStaticProvider(config.staticFile ?? DEFAULT_RATES_FILE);
    case 'openexchangerates': {
      const appId = config.openExchangeRates?.appId;
      if (appId === undefined || appId === '') {
        throw new EnvError(['OPENEXCHANGERATES_APP_ID is required when RATES_PROVIDER is "openexchangerates"']);
      }
      const baseUrl = checkedUrl('OPENEXCHANGERATES_BASE_URL', config.openExchangeRates?.baseUrl);
      return cached(openExchangeRatesProvider({ appId, baseUrl, timeoutMs }));
    }
    case 'ecb':
      return cached(ecbProvider({ baseUrl: checkedUrl('ECB_BASE_URL', config.ecb?.baseUrl), timeoutMs }));
  }
}

function checkedUrl(variable: string, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new EnvError([`${variable} must be an http(s) URL, got ${JSON.stringify(url)}`]);
  }
  return url;
}
