import { keysetAfter, keysetPositionOf, type Db } from '@billing/db';
import { decodeCursor, keysetPosition, pageOf } from '@billing/grpc-kit';
import { keyHash, newApiKey, newKeyId, shownPrefix } from './key-format.ts';

/** An API key as stored: everything but the secret, of which only a hash is kept. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** null: a platform key. */
  customerId: string | null;
  prefix: string;
  /** null: the gateway's default. */
  rateLimitPerMinute: number | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface NewApiKey {
  name: string;
  customerId: string | null;
  rateLimitPerMinute: number | null;
}

interface Row {
  id: string;
  name: string;
  customer_id: string | null;
  prefix: string;
  rate_limit_per_minute: number | null;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const TABLE = 'api_keys';
const COLUMNS = ['id', 'name', 'customer_id', 'prefix', 'rate_limit_per_minute', 'created_at', 'revoked_at', 'last_used_at'];
/** A key's last use is written at most this often, so a busy key costs no write per request. */
const LAST_USED_RESOLUTION = '1 minute';

function recordOf(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    customerId: row.customer_id,
    prefix: row.prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const KEYS_LIST = 'api-keys';

/** The `api_keys` table. */
export function apiKeyStore(db: Db) {
  return {
    /** Makes a key; the secret is returned here and nowhere else, ever. */
    async create(input: NewApiKey): Promise<{ record: ApiKeyRecord; key: string }> {
      const key = newApiKey();
      const [row] = await db(TABLE)
        .insert({
          id: newKeyId(),
          name: input.name,
          customer_id: input.customerId,
          prefix: shownPrefix(key),
          key_hash: keyHash(key),
          rate_limit_per_minute: input.rateLimitPerMinute,
        })
        .returning(COLUMNS) as Row[];
      return { record: recordOf(row as Row), key };
    },

    async get(id: string): Promise<ApiKeyRecord | undefined> {
      const row = await db(TABLE).where({ id }).first(COLUMNS) as Row | undefined;
      return row && recordOf(row);
    },

    /** Oldest first; `cursor` is a page's `nextCursor` (see @billing/grpc-kit's pages). */
    async list(limit: number, cursor: string | undefined): Promise<{ items: ApiKeyRecord[]; nextCursor: string | undefined }> {
      const page = keysetAfter(decodeCursor(KEYS_LIST, cursor, keysetPosition()), 'asc');
      const rows = await db(TABLE).select([...COLUMNS, db.raw(`${keysetPositionOf('created_at')} AS position`)])
        .whereRaw(page.sql, page.bindings)
        .orderBy([{ column: 'created_at' }, { column: 'id' }]).limit(limit + 1) as Array<Row & { position: string }>;
      const { rows: keys, nextCursor } = pageOf(KEYS_LIST, rows, limit, (last) => [last.position, last.id]);
      return { items: keys.map(recordOf), nextCursor };
    },

    /** Revokes a key; revoking it again changes nothing and answers the first revocation. */
    async revoke(id: string): Promise<ApiKeyRecord | undefined> {
      await db(TABLE).where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
      return this.get(id);
    },

    /** The key whose secret hashes to `hash`, revoked or not. */
    async findByHash(hash: Buffer): Promise<(ApiKeyRecord & { keyHash: Buffer }) | undefined> {
      const row = await db(TABLE).where({ key_hash: hash }).first([...COLUMNS, 'key_hash']) as (Row & { key_hash: Buffer }) | undefined;
      return row && { ...recordOf(row), keyHash: row.key_hash };
    },

    /** Records that a key was used (to the minute). */
    async touch(id: string): Promise<void> {
      await db(TABLE)
        .where({ id })
        .andWhere((where) => where.whereNull('last_used_at').orWhereRaw(`last_used_at < now() - interval '${LAST_USED_RESOLUTION}'`))
        .update({ last_used_at: db.fn.now() });
    },
  };
}

export type ApiKeyStore = ReturnType<typeof apiKeyStore>;
