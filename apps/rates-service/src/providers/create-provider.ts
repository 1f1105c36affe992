import { EnvError } from '@billing/runtime';
import type { RateProviderName } from '../env.ts';
import type { RateProvider } from './port.ts';
import { DEFAULT_RATES_FILE, loadStaticProvider } from './static.ts';

export interface ProviderConfig {
  provider: RateProviderName;
  /** Path of a rates file to use instead of the shipped one (static provider). */
  staticFile?: string;
}

/** The provider RATES_PROVIDER selects. Network providers get the TTL cache when they arrive. */
export async function createRateProvider(config: ProviderConfig): Promise<RateProvider> {
  switch (config.provider) {
    case 'static':
      return loadStaticProvider(config.staticFile ?? DEFAULT_RATES_FILE);
    case 'openexchangerates':
    case 'ecb':
      // Accepted by the env schema so the variable's documented values do not change when
      // these land; refusing at start-up beats silently serving the static file instead.
      throw new EnvError([`RATES_PROVIDER "${config.provider}" is not available yet: only "static" is implemented`]);
  }
}
