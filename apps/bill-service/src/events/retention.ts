// Events are kept for a configured time (EVENT_RETENTION) and then deleted, a batch at a time, by
// each bill-service process every so often; concurrent deletes by replicas are harmless. Finished
// webhook deliveries (and their attempts) are kept as long as the events they carried.
import { deleteEventsBefore, type Db } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { deleteFinishedDeliveriesBefore } from '../webhooks/deliveries-repository.ts';

export interface EventRetentionOptions {
  retentionMs: number;
  intervalMs: number;
  logger: Logger;
  now?: () => Date;
}

/** Starts the periodic delete; the returned function stops it. */
export function startEventRetention(db: Db, { retentionMs, intervalMs, logger, now = () => new Date() }: EventRetentionOptions): () => void {
  const sweep = async () => {
    try {
      const cutoff = new Date(now().getTime() - retentionMs);
      const deleted = await deleteEventsBefore(db, cutoff);
      if (deleted > 0) logger.info({ deleted }, 'deleted events past their retention');
      const deliveries = await deleteFinishedDeliveriesBefore(db, cutoff);
      if (deliveries > 0) logger.info({ deleted: deliveries }, 'deleted finished webhook deliveries past the event retention');
    } catch (error) {
      logger.warn({ err: error }, 'could not delete old events; will try again');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
