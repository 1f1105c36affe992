// Webhook endpoints and their signing secrets.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { keysetAfter, keysetPositionOf, retryOnConflict, type KeysetPosition } from '@billing/db';

export type DisabledReason = 'manual' | 'failing';

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

const ENDPOINT_COLUMNS = `id, url, event_types, customer_id, description, ordered, disabled, disabled_reason, failing_since,
  created_at, updated_at, ${keysetPositionOf('created_at')} AS position`;

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

/** `AND customer_id = ?` for a customer's scope, nothing for the platform's. */
function scoped(scope: Scope): { sql: string; bindings: string[] } {
  return scope === undefined ? { sql: '', bindings: [] } : { sql: ' AND customer_id = ?', bindings: [scope] };
}

export function newEndpointId(): string {
  return `we_${randomUUID().replaceAll('-', '')}`;
}

export function endpointsRepository(db: Knex) {
  async function findEndpoint(runner: Knex, id: string, scope: Scope, lock = false): Promise<StoredEndpoint | undefined> {
    const filter = scoped(scope);
    const { rows } = await runner.raw(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?${filter.sql}${lock ? ' FOR UPDATE' : ''}`,
      [id, ...filter.bindings],
    ) as { rows: EndpointRow[] };
    return rows[0] && storedEndpoint(rows[0]);
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
    async list(scope: Scope, after: KeysetPosition | undefined, limit: number): Promise<StoredEndpoint[]> {
      const filter = scoped(scope);
      const page = keysetAfter(after, 'desc');
      const { rows } = await db.raw(
        `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE true${filter.sql} AND ${page.sql}
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

    /**
     * True when it was there (in scope) to delete; its secrets and deliveries go with it. The cascade
     * can deadlock with the dispatcher recording an attempt of one of those deliveries; PostgreSQL
     * then rolls the delete back whole, and it is simply run again.
     */
    async delete(id: string, scope: Scope): Promise<boolean> {
      const filter = scoped(scope);
      const result = await retryOnConflict(() => db.raw(`DELETE FROM webhook_endpoints WHERE id = ?${filter.sql}`, [id, ...filter.bindings])) as { rowCount: number };
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
  };
}

export type EndpointsRepository = ReturnType<typeof endpointsRepository>;
