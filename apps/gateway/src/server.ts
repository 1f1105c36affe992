import { createDb } from '@billing/db';
import { EnvError, createLogger, onShutdown } from '@billing/runtime';
import { buildGateway } from './app.ts';
import { connectToServices } from './clients.ts';
import { readGatewayEnv, type GatewayEnv } from './env.ts';

let env: GatewayEnv;
try {
  env = readGatewayEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(`gateway: ${error.message}`);
  process.exit(1);
}

const logger = createLogger('gateway', env.LOG_LEVEL);
const connections = connectToServices({ rates: env.RATES_SERVICE_URL, bills: env.BILL_SERVICE_URL });
const db = createDb({ url: env.DATABASE_URL, applicationName: 'gateway' });
const app = await buildGateway({
  transports: connections.transports,
  logger,
  callTimeoutMs: env.GRPC_TIMEOUT,
  idempotency: { db, ttlMs: env.IDEMPOTENCY_TTL },
});

onShutdown(
  async () => {
    await app.close();
    connections.close();
    await db.destroy();
  },
  (message) => logger.info(message),
);
await app.listen({ port: env.GATEWAY_PORT, host: env.GATEWAY_HOST });
