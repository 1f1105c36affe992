export { createDb, type Db, type DbOptions, type DbTransaction } from './connection.ts';
export {
  MigrationChangedError, migrateLatest, migrationSource, type MigrateOptions, type MigrateResult,
} from './migrate-runner.ts';
export { migrationChecksum, MIGRATIONS_FOLDER, readMigrations, type Migration, type MigrationFile } from './migration-files.ts';
export {
  deleteEventsBefore, EVENT_COLUMNS, EVENT_TYPES, EVENTS_CHANNEL, eventWritingCtes, isEventType, newEventId, recordEvent, recordEvents, storedEvent,
  type EventRow, type EventType, type NewEvent, type StoredEvent,
} from './events.ts';
export { billSums } from './bill-sums.ts';
export { prepared, preparedTransaction, type PreparedTransaction, type StatementTarget } from './prepared.ts';
export { keysetAfter, keysetPositionOf, type KeysetPosition } from './keyset.ts';
export { listenToChannels, type ChannelListener, type ChannelListenerOptions } from './listener.ts';
export { isTransactionConflict, retryOnConflict } from './conflicts.ts';
export {
  aggregateUsage, effectivePrices, listMetrics, listMetricsPage, lockUsageExclusive, lockUsageShared, platformPrice, storedMetric, upsertPrice,
  USAGE_LOCK_CLASS, type StoredMetric, type StoredPrice, type UsageAggregateRow,
} from './usage.ts';
export { recordExchangeRate, type RateFact } from './exchange-rates.ts';
