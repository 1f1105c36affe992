// Keeping usage storage in shape, by each bill-service process every so often (concurrent runs by
// replicas are harmless): monthly partitions of usage_events made two months ahead, partitions
// past their retention dropped whole, and deduplication keys older than the window deleted in
// batches. A partition is dropped only when it ended USAGE_RETENTION ago and before the period of
// every bill still OPEN or CLOSING began, so no bill can still need its events.
import type { Db } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { DEDUPLICATION_WINDOW_MS } from '@billing/usage';

export interface UsageMaintenanceOptions {
  retentionMs: number;
  intervalMs: number;
  logger: Logger;
  now?: () => Date;
}

const KEY_PURGE_BATCH = 10_000;

export async function maintainUsageStorage(db: Db, { retentionMs, now = () => new Date() }: Omit<UsageMaintenanceOptions, 'intervalMs' | 'logger'>) {
  const at = now();
  const { rows: made } = await db.raw(`SELECT usage_events_ensure_partitions(?::timestamptz - interval '2 months', ?::timestamptz + interval '2 months') AS made`,
    [at.toISOString(), at.toISOString()]) as { rows: Array<{ made: number }> };
  const { rows: dropped } = await db.raw(`
    SELECT usage_events_drop_partitions_before(LEAST(?::timestamptz,
      coalesce((SELECT min(period_start) FROM bills WHERE status IN ('OPEN', 'CLOSING')), 'infinity'))) AS name`,
  [new Date(at.getTime() - retentionMs).toISOString()]) as { rows: Array<{ name: string }> };
  let purged = 0;
  const keysBefore = new Date(at.getTime() - DEDUPLICATION_WINDOW_MS).toISOString();
  for (;;) {
    const { rowCount } = await db.raw(`
      DELETE FROM usage_event_keys WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM usage_event_keys WHERE received_at < ? LIMIT ${KEY_PURGE_BATCH}))`, [keysBefore]) as { rowCount: number };
    purged += rowCount;
    if (rowCount < KEY_PURGE_BATCH) break;
  }
  return { partitionsMade: made[0]?.made ?? 0, partitionsDropped: dropped.map((row) => row.name), keysPurged: purged };
}

/** Starts the periodic maintenance; the returned function stops it. */
export function startUsageMaintenance(db: Db, options: UsageMaintenanceOptions): () => void {
  const sweep = async () => {
    try {
      const done = await maintainUsageStorage(db, options);
      if (done.partitionsMade > 0 || done.partitionsDropped.length > 0 || done.keysPurged > 0) {
        options.logger.info(done, 'usage storage maintained');
      }
    } catch (error) {
      options.logger.warn({ err: error }, 'could not maintain usage storage; will try again');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
