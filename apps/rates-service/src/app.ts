import type { UnitRegistry } from '@billing/money';
import { createGrpcServer, type GrpcLogger, type GrpcServer } from '@billing/grpc-kit';
import { ratesErrors, ratesService } from './connect.ts';
import type { RateProvider } from './providers/port.ts';
import { createRates } from './rates.ts';

export interface RatesAppOptions {
  provider: RateProvider;
  logger: GrpcLogger;
  port: number;
  host?: string;
  /** The registered non-fiat units (LEDGER_UNITS); the money package's defaults when absent. */
  units?: UnitRegistry;
}

/**
 * The rates service on a gRPC server with health and reflection. Health is SERVING while the
 * provider can answer. Process concerns (env, signals) stay in server.ts, so tests start this
 * on port 0 with any provider.
 */
export function startRatesServer({ provider, logger, port, host, units }: RatesAppOptions): Promise<GrpcServer> {
  return createGrpcServer({
    services: [ratesService({ rates: createRates(provider, units) })],
    errorMappers: [ratesErrors],
    healthChecks: { [`rates provider ${provider.name}`]: () => provider.snapshot() },
    logger,
    port,
    host,
  });
}
