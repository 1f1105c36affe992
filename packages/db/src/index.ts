export { createDb, type Db, type DbOptions } from './connection.ts';
export { migrateLatest, migrationSource } from './migrate-runner.ts';
