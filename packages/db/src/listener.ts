// The one way a process LISTENs to PostgreSQL notifications: a dedicated connection outside the
// knex pool (a pooled connection would be handed to queries and lose its LISTEN), which LISTENs
// on the given channels, and after it breaks connects and LISTENs again, every
// `reconnectDelayMs`, until closed. Notifications sent while no connection listened are lost;
// `onListening` says when listening (re)starts, so the caller can catch up from its table.
import pg from 'pg';
import type { Logger } from '@billing/runtime';

export interface ChannelListenerOptions {
  url: string;
  channels: readonly string[];
  /** The connection's application_name, so an operator can tell it apart in pg_stat_activity. */
  name: string;
  logger: Logger;
  onNotification: (channel: string, payload: string) => void;
  /**
   * Each time LISTEN is in place: first, and after every reconnect (`reconnected`), when whatever
   * was notified in between is lost.
   */
  onListening?: (state: { reconnected: boolean }) => void;
  /** The wait before connecting again after the connection broke or could not be made. */
  reconnectDelayMs?: number;
}

export interface ChannelListener {
  /**
   * Settles with the latest attempt to listen: resolves once LISTEN was in place, rejects with its
   * error when it failed (another attempt follows by itself after the delay).
   */
  ready(): Promise<void>;
  /** Ends the connection; no reconnect follows. */
  close(): Promise<void>;
}

export function listenToChannels(options: ChannelListenerOptions): ChannelListener {
  const { url, channels, name, logger, onNotification, onListening, reconnectDelayMs = 1_000 } = options;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let listenedBefore = false;

  const reconnectLater = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      start();
    }, reconnectDelayMs);
  };

  /** The connection that was listening broke: it is dropped and another one is made later. */
  const lost = (which: pg.Client, error: Error) => {
    if (which !== client) return;
    client = undefined;
    logger.warn({ err: error, channels }, 'notification listener connection lost; listening again shortly');
    which.end().catch(() => {});
    reconnectLater();
  };

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, application_name: name, keepAlive: true });
    next.on('notification', (message) => onNotification(message.channel, message.payload ?? ''));
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the connection ended')));
    try {
      await next.connect();
      await next.query(channels.map((channel) => `LISTEN ${next.escapeIdentifier(channel)}`).join('; '));
    } catch (error) {
      logger.warn({ err: error, channels }, 'could not listen for notifications; trying again shortly');
      await next.end().catch(() => {});
      reconnectLater();
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    const reconnected = listenedBefore;
    listenedBefore = true;
    onListening?.({ reconnected });
  }

  let attempt: Promise<void>;
  function start(): void {
    attempt = connect();
    // A failed attempt is logged and retried here; a caller sees it only through ready().
    attempt.catch(() => {});
  }
  start();

  return {
    ready: () => attempt,
    async close() {
      closed = true;
      clearTimeout(retry);
      retry = undefined;
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
