export { createDb, type Db, type DbOptions, type DbTransaction } from './connection.ts';
export { migrateLatest, migrationSource } from './migrate-runner.ts';
export {
  deleteEventsBefore, EVENT_COLUMNS, EVENT_TYPES, EVENTS_CHANNEL, isEventType, recordEvent, recordEvents, storedEvent,
  type EventRow, type EventType, type NewEvent, type StoredEvent,
} from './events.ts';
export { amountDue, billSums, type BillSums } from './bill-sums.ts';
export { keysetAfter, keysetPositionOf, type KeysetPosition } from './keyset.ts';
export { listenToChannels, type ChannelListener, type ChannelListenerOptions } from './listener.ts';
