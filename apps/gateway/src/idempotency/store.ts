import type { Db } from '@billing/db';

/** What a stored first response holds: enough to send it again byte for byte. */
export interface StoredResponse {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** An Idempotency-Key as the client sent it, and the API key that sent it: keys are unique per client. */
export interface ScopedKey {
  apiKeyId: string;
  key: string;
}

export type ClaimOutcome =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export interface IdempotencyStoreOptions {
  /** How long a finished response is kept and replayed. */
  ttlMs: number;
  /** How long a claim protects a running request; past it the claim is taken over (its gateway died). */
  leaseMs: number;
}

interface RecordRow {
  fingerprint: string;
  state: 'IN_FLIGHT' | 'DONE';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

const TABLE = 'idempotency_records';

/**
 * The `idempotency_records` table. Every decision is one atomic statement judged by
 * PostgreSQL's clock, so gateway replicas sharing the database agree on who owns a key.
 */
export function idempotencyStore(db: Db, { ttlMs, leaseMs }: IdempotencyStoreOptions) {
  const later = (ms: number) => db.raw(`now() + (? * interval '1 millisecond')`, [ms]);

  async function insertClaim({ apiKeyId, key }: ScopedKey, fingerprint: string): Promise<boolean> {
    const rows = await db(TABLE)
      .insert({ api_key_id: apiKeyId, key, fingerprint, state: 'IN_FLIGHT', locked_until: later(leaseMs), created_at: db.fn.now(), expires_at: later(ttlMs) })
      .onConflict(['api_key_id', 'key'])
      .ignore()
      .returning('key');
    return rows.length > 0;
  }

  // An expired record is anybody's; an abandoned claim (lease over) is the same request's.
  async function takeOver({ apiKeyId, key }: ScopedKey, fingerprint: string): Promise<boolean> {
    const rows = await db(TABLE)
      .where({ api_key_id: apiKeyId, key })
      .andWhere((where) =>
        where
          .where('expires_at', '<=', db.fn.now())
          .orWhere((stale) => stale.where({ state: 'IN_FLIGHT', fingerprint }).andWhere('locked_until', '<=', db.fn.now())),
      )
      .update({
        fingerprint, state: 'IN_FLIGHT', response_status: null, response_headers: null, response_body: null,
        locked_until: later(leaseMs), created_at: db.fn.now(), expires_at: later(ttlMs),
      })
      .returning('key');
    return rows.length > 0;
  }

  return {
    /** Claims `key` for a request, or says why not. */
    async claim(key: ScopedKey, fingerprint: string): Promise<ClaimOutcome> {
      // A record can vanish (released, swept) between two statements: then simply try again.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (await insertClaim(key, fingerprint)) return { kind: 'claimed' };
        if (await takeOver(key, fingerprint)) return { kind: 'claimed' };
        const row = await db(TABLE)
          .where({ api_key_id: key.apiKeyId, key: key.key })
          .first('fingerprint', 'state', 'response_status', 'response_headers', 'response_body') as RecordRow | undefined;
        if (row === undefined) continue;
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.state === 'IN_FLIGHT') return { kind: 'in_flight' };
        return {
          kind: 'replay',
          response: {
            status: row.response_status ?? 500,
            contentType: row.response_headers?.['content-type'],
            body: row.response_body ?? '',
          },
        };
      }
      return { kind: 'in_flight' };
    },

    /** Records the first response; it is replayed for every later request with the key until it expires. */
    async complete({ apiKeyId, key }: ScopedKey, fingerprint: string, response: StoredResponse): Promise<void> {
      const headers = response.contentType === undefined ? {} : { 'content-type': response.contentType };
      await db(TABLE)
        .where({ api_key_id: apiKeyId, key, fingerprint, state: 'IN_FLIGHT' })
        .update({
          state: 'DONE',
          response_status: response.status,
          response_headers: JSON.stringify(headers),
          response_body: response.body,
          locked_until: db.fn.now(),
        });
    },

    /** Forgets a claim whose request had no effect, so a retry with the key runs afresh. */
    async release({ apiKeyId, key }: ScopedKey, fingerprint: string): Promise<void> {
      await db(TABLE).where({ api_key_id: apiKeyId, key, fingerprint, state: 'IN_FLIGHT' }).delete();
    },

    /** Deletes expired records; returns how many. */
    async sweep(): Promise<number> {
      return db(TABLE).where('expires_at', '<=', db.fn.now()).andWhere('locked_until', '<=', db.fn.now()).delete();
    },

    async ping(): Promise<void> {
      await db.raw('SELECT 1');
    },
  };
}

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;
