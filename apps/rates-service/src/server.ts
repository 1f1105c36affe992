// Process entry: `node --conditions=source src/server.ts` in dev, `node dist/server.js` in a
// container. Everything testable lives in app.ts; this file only wires the process.
import { runApp, type Logger } from '@billing/runtime';
import { startRatesServer } from './app.ts';
import { readRatesEnv, type RatesEnv } from './env.ts';
import { createRateProvider } from './providers/create-provider.ts';

async function start(env: RatesEnv, logger: Logger) {
  const provider = await createRateProvider({
    provider: env.RATES_PROVIDER,
    staticFile: env.RATES_STATIC_FILE,
    openExchangeRates: { appId: env.OPENEXCHANGERATES_APP_ID, baseUrl: env.OPENEXCHANGERATES_BASE_URL },
    ecb: { baseUrl: env.ECB_BASE_URL },
    timeoutMs: env.RATES_PROVIDER_TIMEOUT,
    cache: { ttlMs: env.RATES_CACHE_TTL, maxStalenessMs: env.RATES_MAX_STALENESS, retryAfterMs: env.RATES_PROVIDER_RETRY_AFTER },
    logger,
  });
  const server = await startRatesServer({
    provider, logger, port: env.RATES_SERVICE_PORT, host: env.RATES_SERVICE_HOST, units: env.LEDGER_UNITS,
  });
  logger.info({ provider: provider.name, port: server.port }, 'rates-service ready');
  return server;
}

runApp({ name: 'rates-service', readEnv: readRatesEnv, start });
