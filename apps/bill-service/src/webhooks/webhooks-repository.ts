// Webhook endpoints, their signing secrets and the record of their deliveries. Deliveries are
// created by the database (the fan-out trigger on `events`) and sent by the worker; this side only
// reads them and puts one back in line when a user asks for it to be sent again.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * The PostgreSQL channel the worker's dispatcher listens on: a delivery id sent there is due now.
 * The dispatcher defines the same name on its side; the two must stay equal.
 */
export const WEBHOOK_DELIVERIES_CHANNEL = 'billing_webhook_deliveries';

export type DisabledReason = 'manual' | 'failing';
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface StoredEndpoint {
  id: string;
  url: string;
  eventTypes: string[];
  /** null: a platform endpoint. */
  customerId: string | null;
  description: string | null;
  ordered: boolean;
  disabled: boolean;
  disabledReason: DisabledReason | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The keyset position of `createdAt`, in microseconds since the epoch (a Date keeps only milliseconds). */
  position: string;
}

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

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  customerId: string | null;
  description: string | null;
  ordered: boolean;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  /** null removes it. */
  description?: string | null;
  ordered?: boolean;
  disabled?: boolean;
}

/** Whose endpoints a call may see: one customer's only, or (undefined) every endpoint. */
export type Scope = string | undefined;

/** A keyset position: rows strictly after it in newest-first order. */
export interface PagePosition {
  position: string;
  id: string;
}

const ENDPOINT_COLUMNS = `id, url, event_types, customer_id, description, ordered, disabled, disabled_reason, failing_since,
  created_at, updated_at, ${positionOf('created_at')} AS position`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, status, attempt_count, next_attempt_at, created_at, completed_at,
  ${positionOf('created_at')} AS position`;

function positionOf(column: string): string {
  return `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
}

/** The timestamp a position stands for, exactly (bound as text, so no float is involved). */
const AT_POSITION = `(timestamptz 'epoch' + ?::bigint * interval '1 microsecond')`;

interface EndpointRow {
  id: string;
  url: string;
  event_types: string[];
  customer_id: string | null;
  description: string | null;
  ordered: boolean;
  disabled: boolean;
  disabled_reason: DisabledReason | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
  position: string;
}

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

function storedEndpoint(row: EndpointRow): StoredEndpoint {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    customerId: row.customer_id,
    description: row.description,
    ordered: row.ordered,
    disabled: row.disabled,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    position: row.position,
  };
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

/** `AND customer_id = ?` for a customer's scope, nothing for the platform's. */
function scoped(scope: Scope, alias = ''): { sql: string; bindings: string[] } {
  return scope === undefined ? { sql: '', bindings: [] } : { sql: ` AND ${alias}customer_id = ?`, bindings: [scope] };
}

export function newEndpointId(): string {
  return `we_${randomUUID().replaceAll('-', '')}`;
}

export function webhooksRepository(db: Knex) {
  async function findEndpoint(runner: Knex, id: string, scope: Scope, lock = false): Promise<StoredEndpoint | undefined> {
    const filter = scoped(scope);
    const { rows } = await runner.raw(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?${filter.sql}${lock ? ' FOR UPDATE' : ''}`,
      [id, ...filter.bindings],
    ) as { rows: EndpointRow[] };
    return rows[0] && storedEndpoint(rows[0]);
  }

  async function attemptsOf(deliveryIds: string[]): Promise<Map<string, StoredAttempt[]>> {
    const byDelivery = new Map<string, StoredAttempt[]>(deliveryIds.map((id) => [id, []]));
    if (deliveryIds.length === 0) return byDelivery;
    const rows = await db<AttemptRow>('webhook_attempts').whereIn('delivery_id', deliveryIds).orderBy(['delivery_id', 'attempt']);
    for (const row of rows) byDelivery.get(row.delivery_id)?.push(storedAttempt(row));
    return byDelivery;
  }

  return {
    /** The endpoint and its first secret, in one transaction. */
    async create(endpoint: NewEndpoint, secretKey: string): Promise<StoredEndpoint> {
      return db.transaction(async (trx) => {
        const id = newEndpointId();
        const { rows } = await trx.raw(
          `INSERT INTO webhook_endpoints (id, url, event_types, customer_id, description, ordered)
           VALUES (?, ?, ?::text[], ?, ?, ?) RETURNING ${ENDPOINT_COLUMNS}`,
          [id, endpoint.url, endpoint.eventTypes, endpoint.customerId, endpoint.description, endpoint.ordered],
        ) as { rows: EndpointRow[] };
        await trx('webhook_endpoint_secrets').insert({ endpoint_id: id, secret: secretKey });
        return storedEndpoint(rows[0]!);
      });
    },

    /** Newest first, after `after` when given. */
    async list(scope: Scope, after: PagePosition | undefined, limit: number): Promise<StoredEndpoint[]> {
      const filter = scoped(scope);
      const page = after === undefined
        ? { sql: '', bindings: [] as string[] }
        : { sql: ` AND (created_at, id) < (${AT_POSITION}, ?)`, bindings: [after.position, after.id] };
      const { rows } = await db.raw(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE true${filter.sql}${page.sql}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        [...filter.bindings, ...page.bindings, limit],
      ) as { rows: EndpointRow[] };
      return rows.map(storedEndpoint);
    },

    find: (id: string, scope: Scope) => findEndpoint(db, id, scope),

    /** Applies the changes that are set; undefined when the endpoint is not in scope. */
    async update(id: string, scope: Scope, changes: EndpointChanges): Promise<StoredEndpoint | undefined> {
      const sets: string[] = ['updated_at = now()'];
      const bindings: Knex.RawBinding[] = [];
      const set = (sql: string, value: Knex.RawBinding) => {
        sets.push(sql);
        bindings.push(value);
      };
      if (changes.url !== undefined) set('url = ?', changes.url);
      if (changes.eventTypes !== undefined) set('event_types = ?::text[]', changes.eventTypes);
      if (changes.description !== undefined) set('description = ?', changes.description);
      if (changes.ordered !== undefined) set('ordered = ?', changes.ordered);
      // Disabled by hand says so; enabled again starts with a clean record, so the worker's
      // "failing for days" clock does not disable it again at once.
      if (changes.disabled === true) sets.push(`disabled = true, disabled_reason = 'manual'`);
      if (changes.disabled === false) sets.push('disabled = false, disabled_reason = NULL, failing_since = NULL');
      const filter = scoped(scope);
      const { rows } = await db.raw(
        `UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ?${filter.sql} RETURNING ${ENDPOINT_COLUMNS}`,
        [...bindings, id, ...filter.bindings],
      ) as { rows: EndpointRow[] };
      return rows[0] && storedEndpoint(rows[0]);
    },

    /** True when it was there (in scope) to delete; its secrets and deliveries go with it. */
    async delete(id: string, scope: Scope): Promise<boolean> {
      const filter = scoped(scope);
      const result = await db.raw(`DELETE FROM webhook_endpoints WHERE id = ?${filter.sql}`, [id, ...filter.bindings]) as { rowCount: number };
      return result.rowCount > 0;
    },

    /**
     * Adds `secretKey` as the current secret; every older one still signing stops at the end of
     * the overlap at the latest (never later than it already would), and those already expired
     * are deleted. Undefined when the endpoint is not in scope.
     */
    async rotateSecret(id: string, scope: Scope, secretKey: string, overlapSeconds: number): Promise<{ endpoint: StoredEndpoint; previousExpiresAt: Date } | undefined> {
      return db.transaction(async (trx) => {
        // The row lock orders concurrent rotations of one endpoint.
        const endpoint = await findEndpoint(trx, id, scope, true);
        if (endpoint === undefined) return undefined;
        await trx.raw('DELETE FROM webhook_endpoint_secrets WHERE endpoint_id = ? AND expires_at <= now()', [id]);
        const { rows } = await trx.raw(`SELECT now() + ? * interval '1 second' AS until`, [overlapSeconds]) as { rows: Array<{ until: Date }> };
        const until = rows[0]!.until;
        await trx.raw(
          `UPDATE webhook_endpoint_secrets SET expires_at = LEAST(coalesce(expires_at, 'infinity'), now() + ? * interval '1 second')
            WHERE endpoint_id = ?`,
          [overlapSeconds, id],
        );
        // clock_timestamp: distinct from the previous secret's created_at (part of the key) even within one transaction.
        await trx.raw('INSERT INTO webhook_endpoint_secrets (endpoint_id, secret, created_at) VALUES (?, ?, clock_timestamp())', [id, secretKey]);
        const { rows: touched } = await trx.raw(
          `UPDATE webhook_endpoints SET updated_at = now() WHERE id = ? RETURNING ${ENDPOINT_COLUMNS}`, [id],
        ) as { rows: EndpointRow[] };
        return { endpoint: storedEndpoint(touched[0]!), previousExpiresAt: until };
      });
    },

    /** The secrets that sign now, newest first (the base64 keys). */
    async signingSecrets(id: string): Promise<Array<{ key: string; expiresAt: Date | null }>> {
      const rows = await db('webhook_endpoint_secrets').where('endpoint_id', id)
        .andWhere((where) => where.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
        .orderBy('created_at', 'desc') as Array<{ secret: string; expires_at: Date | null }>;
      return rows.map((row) => ({ key: row.secret, expiresAt: row.expires_at }));
    },

    /** An endpoint's deliveries newest first, with their attempts. */
    async listDeliveries(endpointId: string, after: PagePosition | undefined, limit: number): Promise<StoredDelivery[]> {
      const page = after === undefined
        ? { sql: '', bindings: [] as string[] }
        : { sql: ` AND (created_at, id) < (${AT_POSITION}, ?)`, bindings: [after.position, after.id] };
      const { rows } = await db.raw(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ?${page.sql}
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
    async retryDelivery(endpointId: string, deliveryId: string): Promise<StoredDelivery | undefined> {
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

export type WebhooksRepository = ReturnType<typeof webhooksRepository>;

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
