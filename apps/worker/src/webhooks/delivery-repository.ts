// The dispatcher's SQL: claiming due deliveries under a lease, reading what an attempt sends, and
// recording each attempt with the delivery's and the endpoint's new state in one transaction.
import { EVENT_COLUMNS, storedEvent, type Db, type EventRow, type StoredEvent } from '@billing/db';
import { afterFailedAttempt, healthAfterAttempt, type AttemptResult } from '@billing/webhooks';

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  /** This attempt's number (1 for the first); it also fences the delivery's row against a late writer. */
  attempt: number;
  url: string;
}

/** What came of an attempt, as counted by `billing_webhook_deliveries_total`. */
export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed';

export interface RetryPolicy {
  /** The wait after the 1st, 2nd, ... failed attempt; the last repeats. */
  scheduleMs: readonly number[];
  /** [0, 1): spreads each wait. */
  random: () => number;
}

export interface RecordedAttempt {
  delivery: ClaimedDelivery;
  startedAt: Date;
  result: AttemptResult;
  /** No later attempt could do better (the event is gone): the delivery fails now. */
  final?: boolean;
}

export function deliveryRepository(db: Db) {
  return {
    /**
     * Leases up to `limit` due deliveries. A delivery is due when its time has come, nobody holds
     * it, its endpoint is enabled and, for an endpoint that keeps order, no earlier event of the
     * same customer is still pending for it: each customer's deliveries to an ordered endpoint go
     * one at a time, lowest sequence first. SKIP LOCKED lets any number of dispatchers claim side
     * by side without waiting for or doubling each other.
     */
    async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const { rows } = await db.raw(`
        WITH due AS (
          SELECT d.id FROM webhook_deliveries d
          JOIN webhook_endpoints w ON w.id = d.endpoint_id
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
            AND (d.lease_until IS NULL OR d.lease_until < now())
            AND NOT w.disabled
            AND (NOT w.ordered OR NOT EXISTS (
              SELECT 1 FROM webhook_deliveries earlier
              WHERE earlier.endpoint_id = d.endpoint_id AND earlier.customer_id = d.customer_id
                AND earlier.status = 'pending' AND earlier.event_seq < d.event_seq))
          ORDER BY d.next_attempt_at
          LIMIT ?
          FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE webhook_deliveries d
        SET lease_until = now() + ?::integer * interval '1 millisecond', attempt_count = d.attempt_count + 1
        FROM due, webhook_endpoints w
        WHERE d.id = due.id AND w.id = d.endpoint_id
        RETURNING d.id, d.endpoint_id, d.event_id, d.attempt_count, w.url`, [limit, leaseMs]) as {
        rows: Array<{ id: string; endpoint_id: string; event_id: string; attempt_count: number; url: string }>;
      };
      return rows.map((row) => ({ id: row.id, endpointId: row.endpoint_id, eventId: row.event_id, attempt: row.attempt_count, url: row.url }));
    },

    async events(ids: readonly string[]): Promise<Map<string, StoredEvent>> {
      const rows = await db('events').whereIn('id', [...new Set(ids)]).select([...EVENT_COLUMNS]) as EventRow[];
      return new Map(rows.map((row) => [row.id, storedEvent(row)]));
    },

    /** Each endpoint's signing keys (base64), newest first: the current one and any still in its rotation overlap. */
    async signingKeys(endpointIds: readonly string[]): Promise<Map<string, string[]>> {
      const { rows } = await db.raw(`
        SELECT endpoint_id, secret FROM webhook_endpoint_secrets
        WHERE endpoint_id = ANY(?::text[]) AND (expires_at IS NULL OR expires_at > now())
        ORDER BY created_at DESC`, [[...new Set(endpointIds)]]) as { rows: Array<{ endpoint_id: string; secret: string }> };
      const keys = new Map<string, string[]>();
      for (const row of rows) keys.set(row.endpoint_id, [...keys.get(row.endpoint_id) ?? [], row.secret]);
      return keys;
    },

    /**
     * Records one attempt, then moves the delivery and its endpoint on, all at the database's
     * clock. A dispatcher whose lease ran out (another one has claimed the delivery since) still
     * records what it did, but leaves the delivery to the newer claim. Returns null when the
     * delivery is gone (its endpoint was deleted meanwhile).
     */
    async record(recorded: RecordedAttempt, retry: RetryPolicy): Promise<AttemptOutcome | null> {
      const { delivery, startedAt, result } = recorded;
      return db.transaction(async (trx) => {
        const { rows: [current] } = await trx.raw(`
          SELECT status, attempt_count, give_up_at, now() AS now FROM webhook_deliveries WHERE id = ? FOR UPDATE`, [delivery.id]) as {
          rows: Array<{ status: string; attempt_count: number; give_up_at: Date; now: Date }>;
        };
        if (current === undefined) return null;
        const ours = current.status === 'pending' && current.attempt_count === delivery.attempt;
        const attemptRow = {
          delivery_id: delivery.id, attempt: delivery.attempt, started_at: startedAt, duration_ms: result.durationMs,
          status_code: result.statusCode, error: result.error, response_body: result.responseBody,
        };

        if (result.succeeded) {
          await trx('webhook_attempts').insert({ ...attemptRow, next_retry_at: null });
          if (ours) {
            await trx('webhook_deliveries').where({ id: delivery.id })
              .update({ status: 'succeeded', completed_at: current.now, lease_until: null });
          }
          // Written only when it changes, so successes to one endpoint do not queue on its row.
          await trx('webhook_endpoints').where({ id: delivery.endpointId }).whereNotNull('failing_since').update({ failing_since: null });
          return 'succeeded';
        }

        const { rows: [endpoint] } = await trx.raw(`
          SELECT failing_since FROM webhook_endpoints WHERE id = ? FOR UPDATE`, [delivery.endpointId]) as {
          rows: Array<{ failing_since: Date | null }>;
        };
        const next = recorded.final
          ? { status: 'failed' as const }
          : afterFailedAttempt({ attempt: delivery.attempt, now: current.now, giveUpAt: current.give_up_at, schedule: retry.scheduleMs, random: retry.random() });
        const nextRetryAt = ours && next.status === 'retrying' ? next.nextAttemptAt : null;
        await trx('webhook_attempts').insert({ ...attemptRow, next_retry_at: nextRetryAt });
        if (ours) {
          await trx('webhook_deliveries').where({ id: delivery.id }).update(next.status === 'retrying'
            ? { next_attempt_at: next.nextAttemptAt, lease_until: null }
            : { status: 'failed', completed_at: current.now, lease_until: null });
        }
        if (endpoint !== undefined) {
          const health = healthAfterAttempt({ failingSince: endpoint.failing_since, succeeded: false, now: current.now });
          if (endpoint.failing_since === null) await trx('webhook_endpoints').where({ id: delivery.endpointId }).update({ failing_since: health.failingSince });
          if (health.disable) {
            // An endpoint disabled by hand keeps that reason.
            await trx('webhook_endpoints').where({ id: delivery.endpointId, disabled: false })
              .update({ disabled: true, disabled_reason: 'failing', updated_at: current.now });
          }
        }
        return next.status;
      });
    },

    /** Milliseconds until the earliest scheduled retry; null when none is scheduled. */
    async msUntilNextRetry(): Promise<number | null> {
      const { rows: [row] } = await db.raw(`
        SELECT (EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000)::float8 AS ms
        FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > now()`) as { rows: Array<{ ms: number | null }> };
      return row?.ms ?? null;
    },

    /** Deliveries waiting to be sent or retried, in the whole database. */
    async backlog(): Promise<number> {
      const { rows: [row] } = await db.raw(`SELECT count(*)::integer AS n FROM webhook_deliveries WHERE status = 'pending'`) as { rows: Array<{ n: number }> };
      return row?.n ?? 0;
    },
  };
}

export type DeliveryRepository = ReturnType<typeof deliveryRepository>;
