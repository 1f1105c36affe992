// `node dist/migrate.js` (containers) or `node --conditions=source src/migrate.ts`: applies
// pending migrations to DATABASE_URL and exits.
import { createLogger } from '@billing/runtime';
import { loadMigrateEnv } from './env.ts';
import { migrateLatest } from './migrate-runner.ts';

const log = createLogger('migrate');
try {
  const env = loadMigrateEnv();
  const { applied, adopted } = await migrateLatest(env.DATABASE_URL);
  if (adopted.length > 0) {
    log.warn({ adopted }, 'recorded the checksums of migrations applied before checksums were kept, from their files as they are now');
  }
  log.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database is up to date');
} catch (error) {
  log.error({ err: error }, 'migration failed');
  process.exitCode = 1;
}
