// The dispatcher's SQL: claiming due deliveries under a lease, reading what an attempt sends, and
// recording each attempt with the delivery's and the endpoint's new state in one transaction.
import { EVENT_COLUMNS, storedEvent, type Db, type EventRow, type StoredEvent } from '@billing/db';
import { afterFailedAttempt, healthAfterAttempt, type AttemptResult } from '@billing/webhooks';

export interface Claim {
  deliveries: ClaimedDelivery[];
  /** Milliseconds from the claim to the earliest retry scheduled after it; null when none is. */
  msUntilNextRetry: number | null;
}

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
    async claim(limit: number, leaseMs: number): Promise<Claim> {
      // One statement, so the next retry is judged at the very moment of the claim: a retry that
      // falls due between two separate queries would be neither claimed nor waited for.
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
        ), claimed AS (
          UPDATE webhook_deliveries d
          SET lease_until = now() + ?::integer * interval '1 millisecond', attempt_count = d.attempt_count + 1
          FROM due, webhook_endpoints w
          WHERE d.id = due.id AND w.id = d.endpoint_id
          RETURNING d.id, d.endpoint_id, d.event_id, d.attempt_count, w.url
        )
        SELECT id, endpoint_id, event_id, attempt_count, url, NULL::float8 AS next_retry_ms FROM claimed
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, (EXTRACT(EPOCH FROM min(next_attempt_at) - now()) * 1000)::float8
        FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > now()`, [limit, leaseMs]) as {
        rows: Array<{ id: string | null; endpoint_id: string; event_id: string; attempt_count: number; url: string; next_retry_ms: number | null }>;
      };
      const deliveries = rows.filter((row) => row.id !== null)
        .map((row) => ({ id: row.id!, endpointId: row.endpoint_id, eventId: row.event_id, attempt: row.attempt_count, url: row.url }));
      return { deliveries, msUntilNextRetry: rows.find((row) => row.id === null)?.next_retry_ms ?? null };
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
     * Records a batch of attempts in one transaction, then moves each delivery and its endpoint on,
     * all at the database's clock; answers one outcome per attempt, in order. A dispatcher whose
     * lease ran out (another one has claimed the delivery since) still records what it did, but
     * leaves the delivery to the newer claim. An outcome is null when the delivery is gone (its
     * endpoint was deleted meanwhile). Rows are locked in id order, deliveries before endpoints, so
     * two dispatchers recording side by side cannot deadlock; endpoints are locked only when a
     * failure has to update their health.
     */
    async recordAll(batch: readonly RecordedAttempt[], retry: RetryPolicy): Promise<Array<AttemptOutcome | null>> {
      return db.transaction(async (trx) => {
        const ids = [...new Set(batch.map((recorded) => recorded.delivery.id))].sort();
        const { rows: lockedRows } = await trx.raw(`
          SELECT id, status, attempt_count, give_up_at, now() AS now FROM webhook_deliveries
          WHERE id = ANY(?::text[]) ORDER BY id FOR UPDATE`, [ids]) as {
          rows: Array<{ id: string; status: string; attempt_count: number; give_up_at: Date; now: Date }>;
        };
        const current = new Map(lockedRows.map((row) => [row.id, row]));
        const now = lockedRows[0]?.now;
        if (now === undefined) return batch.map(() => null);

        const failingEndpoints = [...new Set(batch.filter((recorded) => !recorded.result.succeeded && current.has(recorded.delivery.id))
          .map((recorded) => recorded.delivery.endpointId))].sort();
        const health = new Map<string, { failingSince: Date | null; disable: boolean; changed: boolean }>();
        if (failingEndpoints.length > 0) {
          const { rows } = await trx.raw(`
            SELECT id, failing_since FROM webhook_endpoints WHERE id = ANY(?::text[]) ORDER BY id FOR UPDATE`, [failingEndpoints]) as {
            rows: Array<{ id: string; failing_since: Date | null }>;
          };
          for (const row of rows) health.set(row.id, { failingSince: row.failing_since, disable: false, changed: false });
        }

        const attempts: Array<Record<string, unknown>> = [];
        const succeeded: string[] = [];
        const clearFailing = new Set<string>();
        const outcomes: Array<AttemptOutcome | null> = [];
        for (const recorded of batch) {
          const { delivery, startedAt, result } = recorded;
          const row = current.get(delivery.id);
          if (row === undefined) {
            outcomes.push(null);
            continue;
          }
          const ours = row.status === 'pending' && row.attempt_count === delivery.attempt;
          const attemptRow = {
            delivery_id: delivery.id, attempt: delivery.attempt, started_at: startedAt, duration_ms: result.durationMs,
            status_code: result.statusCode, error: result.error, response_body: result.responseBody,
          };
          const endpoint = health.get(delivery.endpointId);
          if (result.succeeded) {
            attempts.push({ ...attemptRow, next_retry_at: null });
            if (ours) succeeded.push(delivery.id);
            if (endpoint) Object.assign(endpoint, { failingSince: null, changed: true });
            else clearFailing.add(delivery.endpointId);
            outcomes.push('succeeded');
            continue;
          }
          const next = recorded.final
            ? { status: 'failed' as const }
            : afterFailedAttempt({ attempt: delivery.attempt, now, giveUpAt: row.give_up_at, schedule: retry.scheduleMs, random: retry.random() });
          attempts.push({ ...attemptRow, next_retry_at: ours && next.status === 'retrying' ? next.nextAttemptAt : null });
          if (ours) {
            await trx('webhook_deliveries').where({ id: delivery.id }).update(next.status === 'retrying'
              ? { next_attempt_at: next.nextAttemptAt, lease_until: null }
              : { status: 'failed', completed_at: now, lease_until: null });
          }
          if (endpoint) {
            const after = healthAfterAttempt({ failingSince: endpoint.failingSince, succeeded: false, now });
            Object.assign(endpoint, {
              failingSince: after.failingSince, disable: endpoint.disable || after.disable,
              changed: endpoint.changed || after.failingSince !== endpoint.failingSince || after.disable,
            });
          }
          outcomes.push(next.status);
        }

        await trx('webhook_attempts').insert(attempts);
        if (succeeded.length > 0) {
          await trx.raw(`
            UPDATE webhook_deliveries SET status = 'succeeded', completed_at = ?, lease_until = NULL
            WHERE id = ANY(?::text[])`, [now, succeeded]);
        }
        if (clearFailing.size > 0) {
          // Locks only the endpoints that were failing, in id order.
          await trx.raw(`
            UPDATE webhook_endpoints SET failing_since = NULL
            WHERE id IN (SELECT id FROM webhook_endpoints WHERE id = ANY(?::text[]) AND failing_since IS NOT NULL ORDER BY id FOR UPDATE)`,
          [[...clearFailing].sort()]);
        }
        for (const [endpointId, state] of health) {
          if (!state.changed) continue;
          await trx('webhook_endpoints').where({ id: endpointId }).update({ failing_since: state.failingSince });
          if (state.disable) {
            await trx('webhook_endpoints').where({ id: endpointId, disabled: false })
              .update({ disabled: true, disabled_reason: 'failing', updated_at: now });
          }
        }
        return outcomes;
      });
    },

    /** Deliveries waiting to be sent or retried, in the whole database. */
    async backlog(): Promise<number> {
      const { rows: [row] } = await db.raw(`SELECT count(*)::integer AS n FROM webhook_deliveries WHERE status = 'pending'`) as { rows: Array<{ n: number }> };
      return row?.n ?? 0;
    },
  };
}

export type DeliveryRepository = ReturnType<typeof deliveryRepository>;
