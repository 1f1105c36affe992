// What another package may use of rates-service without its process: the server on any port and
// provider, the provider RATES_PROVIDER selects, and the configuration reader. Nothing else
// imports its src/.
export { startRatesServer, type RatesAppOptions } from './app.ts';
export { createRateProvider, type ProviderConfig } from './providers/create-provider.ts';
export { RATE_PROVIDERS, readRatesEnv, type RateProviderName, type RatesEnv } from './env.ts';
