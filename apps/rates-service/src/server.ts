import { createLogger, EnvError, onShutdown } from '@billing/runtime';
import { startRatesServer } from './app.ts';
import { readRatesEnv } from './env.ts';
import { createRateProvider } from './providers/create-provider.ts';
import { RatesFileError } from './providers/static.ts';

// Process entry: `node --conditions=source src/server.ts` in dev, `node dist/server.js` in a
// container. Everything testable lives in app.ts; this file only wires the process.
async function main(): Promise<void> {
  const env = readRatesEnv();
  const logger = createLogger('rates-service', env.LOG_LEVEL);
  const provider = await createRateProvider({
    provider: env.RATES_PROVIDER,
    staticFile: env.RATES_STATIC_FILE,
    openExchangeRates: { appId: env.OPENEXCHANGERATES_APP_ID, baseUrl: env.OPENEXCHANGERATES_BASE_URL },
    ecb: { baseUrl: env.ECB_BASE_URL },
    timeoutMs: env.RATES_PROVIDER_TIMEOUT,
    cache: { ttlMs: env.RATES_CACHE_TTL, maxStalenessMs: env.RATES_MAX_STALENESS, retryAfterMs: env.RATES_PROVIDER_RETRY_AFTER },
    logger,
  });
  const server = await startRatesServer({ provider, logger, port: env.RATES_SERVICE_PORT, host: env.RATES_SERVICE_HOST });
  logger.info({ provider: provider.name, port: server.port }, 'rates-service ready');
  onShutdown(() => server.close(), (message) => logger.info({}, message));
}

main().catch((error: unknown) => {
  // Configuration mistakes get their own plain message: the operator has a variable to fix.
  if (error instanceof EnvError || error instanceof RatesFileError) console.error(`rates-service: ${error.message}`);
  else console.error('rates-service failed to start', error);
  process.exit(1);
});
