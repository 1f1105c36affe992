// The record of webhook deliveries. Deliveries are created by the database (the fan-out trigger on
// `events`) and sent by the worker; this side reads them and puts one back in line when a user
// asks for it to be sent again.
import type { Knex } from 'knex';
import { WEBHOOK_DELIVERIES_CHANNEL } from '@billing/webhooks';
import { keysetAfter, keysetPositionOf, type KeysetPosition } from '@billing/db';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface StoredAttempt {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  nextRetryAt: Date | null;
}

export interface StoredDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date;
  createdAt: Date;
  completedAt: Date | null;
  position: string;
  attempts: StoredAttempt[];
}

const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, status, attempt_count, next_attempt_at, created_at, completed_at,
  ${keysetPositionOf('created_at')} AS position`;

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date;
  created_at: Date;
  completed_at: Date | null;
  position: string;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  next_retry_at: Date | null;
}

function storedDelivery(row: DeliveryRow, attempts: StoredAttempt[]): StoredDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    completedAt: row.completed_at,
    position: row.position,
    attempts,
  };
}

function storedAttempt(row: AttemptRow): StoredAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
    responseBody: row.response_body,
    nextRetryAt: row.next_retry_at,
  };
}

export function deliveriesRepository(db: Knex) {
  async function attemptsOf(deliveryIds: string[]): Promise<Map<string, StoredAttempt[]>> {
    const byDelivery = new Map<string, StoredAttempt[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return byDelivery;
    const rows = await db<AttemptRow>('webhook_attempts').whereIn('delivery_id', deliveryIds).orderBy(['delivery_id', 'attempt']);
    for (const row of rows) byDelivery.get(row.delivery_id)?.push(storedAttempt(row));
    return byDelivery;
  }

  return {
    /** An endpoint's deliveries newest first, with their attempts. */
    async list(endpointId: string, after: KeysetPosition | undefined, limit: number): Promise<StoredDelivery[]> {
      const page = keysetAfter(after, 'desc');
      const { rows } = await db.raw(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ? AND ${page.sql}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        [endpointId, ...page.bindings, limit],
      ) as { rows: DeliveryRow[] };
      const attempts = await attemptsOf(rows.map((row) => row.id));
      return rows.map((row) => storedDelivery(row, attempts.get(row.id) ?? []));
    },

    /**
     * Puts a delivery back in line, due now, and wakes the dispatcher. One that had finished gets
     * exactly one more attempt (it gives up after it); a pending one keeps its own deadline.
     * Undefined when the endpoint has no such delivery.
     */
    async retry(endpointId: string, deliveryId: string): Promise<StoredDelivery | undefined> {
      const row = await db.transaction(async (trx) => {
        const { rows } = await trx.raw(
          `UPDATE webhook_deliveries
              SET status = 'pending', next_attempt_at = now(), completed_at = NULL,
                  give_up_at = CASE WHEN status = 'pending' THEN give_up_at ELSE now() END
            WHERE id = ? AND endpoint_id = ?
        RETURNING ${DELIVERY_COLUMNS}`,
          [deliveryId, endpointId],
        ) as { rows: DeliveryRow[] };
        // Delivered at commit, so the dispatcher never looks before the row is due.
        if (rows[0]) await trx.raw('SELECT pg_notify(?, ?)', [WEBHOOK_DELIVERIES_CHANNEL, deliveryId]);
        return rows[0];
      });
      if (row === undefined) return undefined;
      const attempts = await attemptsOf([row.id]);
      return storedDelivery(row, attempts.get(row.id) ?? []);
    },
  };
}

export type DeliveriesRepository = ReturnType<typeof deliveriesRepository>;

/** Deletes finished deliveries created before `cutoff` (with their attempts), a batch at a time; returns how many went. */
export async function deleteFinishedDeliveriesBefore(db: Knex, cutoff: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.raw(`
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ? LIMIT ?)`, [cutoff, batch]) as { rowCount: number };
    total += deleted.rowCount;
    if (deleted.rowCount < batch) return total;
  }
}
