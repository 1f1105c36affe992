// Wakes the dispatcher when there may be something to send: PostgreSQL announces each committed
// event on the events channel, and a delivery sent again by hand on the deliveries channel. A
// notification carries no work, only a reason to claim; the table is the queue. While the
// connection is down, notifications are lost, so the dispatcher is woken once more on reconnect
// (and its slow fallback poll covers the gap).
import pg from 'pg';
import { EVENTS_CHANNEL } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { WEBHOOK_DELIVERIES_CHANNEL } from '@billing/webhooks';

export interface WakeListener {
  close(): Promise<void>;
}

export function listenForWork(options: { url: string; logger: Logger; onWake: () => void; reconnectDelayMs?: number }): WakeListener {
  const { url, logger, onWake, reconnectDelayMs = 1_000 } = options;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const reconnectLater = () => {
    if (!closed) retry = setTimeout(() => void connect(), reconnectDelayMs);
  };

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, application_name: 'billing-worker-webhooks' });
    next.on('notification', () => onWake());
    next.on('error', (error) => {
      logger.warn({ err: error }, 'webhook wake-up connection lost; listening again shortly');
      if (client === next) client = undefined;
      next.end().catch(() => {});
      reconnectLater();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${WEBHOOK_DELIVERIES_CHANNEL}`);
    } catch (error) {
      logger.warn({ err: error }, 'could not listen for webhook wake-ups; trying again shortly');
      await next.end().catch(() => {});
      reconnectLater();
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    // Whatever was announced while nobody listened is claimed now.
    onWake();
  }

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
