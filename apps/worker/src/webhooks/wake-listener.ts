// Wakes the dispatcher when there may be something to send: PostgreSQL announces on the deliveries
// channel each committed statement whose events created deliveries (the fan-out trigger; events no
// endpoint wants announce nothing here), and each delivery sent again by hand. A notification
// carries no work, only a reason to claim; the table is the queue. While the
// connection is down, notifications are lost, so the dispatcher is woken each time listening
// (re)starts (and its slow fallback poll covers the gap). The connection and its reconnects are
// @billing/db's `listenToChannels`.
import { listenToChannels } from '@billing/db';
import type { Logger } from '@billing/runtime';
import { WEBHOOK_DELIVERIES_CHANNEL } from '@billing/webhooks';

export interface WakeListener {
  close(): Promise<void>;
}

export function listenForWork(options: { url: string; logger: Logger; onWake: () => void; reconnectDelayMs?: number }): WakeListener {
  const { url, logger, onWake, reconnectDelayMs } = options;
  return listenToChannels({
    url, channels: [WEBHOOK_DELIVERIES_CHANNEL], name: 'billing-worker-webhooks', logger, reconnectDelayMs,
    onNotification: () => onWake(),
    // Whatever was announced while nobody listened is claimed now.
    onListening: () => onWake(),
  });
}
