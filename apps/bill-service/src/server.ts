import { createLogger, EnvError, onShutdown } from '@billing/runtime';
import { loadEnv } from './env.ts';
import { startBillService } from './app.ts';

const bootLog = createLogger('bill-service');
try {
  const env = loadEnv();
  const logger = createLogger('bill-service', env.LOG_LEVEL);
  const server = await startBillService(env, logger);
  onShutdown(() => server.close(), (message) => logger.info(message));
} catch (error) {
  bootLog.fatal(error instanceof EnvError ? { problems: error.problems } : { err: error }, 'bill-service failed to start');
  process.exit(1);
}
