// Process entry: `node --conditions=source src/server.ts` in dev, `node dist/server.js` in a
// container. The gateway itself is built in app.ts, which never listens by itself.
import { createDb } from '@billing/db';
import { runApp, type Logger } from '@billing/runtime';
import { buildGateway } from './app.ts';
import { connectToServices } from './clients.ts';
import { readGatewayEnv, type GatewayEnv } from './env.ts';

async function start(env: GatewayEnv, logger: Logger) {
  const connections = connectToServices({ rates: env.RATES_SERVICE_URL, bills: env.BILL_SERVICE_URL }, env.BILLING_SERVICE_TOKEN);
  const db = createDb({ url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, applicationName: 'gateway' });
  const release = async () => {
    connections.close();
    await db.destroy();
  };
  const app = await buildGateway({
    transports: connections.transports,
    logger,
    callTimeoutMs: env.GRPC_TIMEOUT,
    idempotency: { db, ttlMs: env.IDEMPOTENCY_TTL },
    access: {
      db,
      databaseUrl: env.DATABASE_URL,
      adminApiKey: env.BILLING_ADMIN_API_KEY,
      defaultRateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      keyCacheMs: env.API_KEY_CACHE_TTL,
    },
  });
  try {
    await app.listen({ port: env.GATEWAY_PORT, host: env.GATEWAY_HOST });
  } catch (error) {
    await app.close();
    await release();
    throw error;
  }
  return {
    async close() {
      // Fastify stops accepting, lets requests in flight finish, then the connections go.
      await app.close();
      await release();
    },
  };
}

runApp({ name: 'gateway', readEnv: readGatewayEnv, start });
