import { prepared, type Db } from '@billing/db';
import { createBatcher } from '@billing/runtime';

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
 * Joined into every write of a record: commits that statement's transaction asynchronously, without
 * waiting for the write-ahead log to reach the disk. A record lost to a PostgreSQL crash in the
 * moment after it was written only makes a retry with the key run again, which is safe because
 * every write behind the gateway is idempotent by the same key (docs/idempotency.md); waiting for
 * the disk twice per request was most of what the gateway added to a write.
 */
const ASYNC_COMMIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`;

/**
 * Sends `items` in one statement, one result per item; if PostgreSQL refuses the statement, sends
 * each item alone, so one item the database refuses fails only its own caller.
 */
async function eachAloneIfRefused<I, R>(items: readonly I[], send: (items: readonly I[]) => Promise<R[]>): Promise<Array<{ value?: R; error?: unknown }>> {
  try {
    return (await send(items)).map((value) => ({ value }));
  } catch (error) {
    if (items.length === 1) return [{ error }];
    const outcomes = await Promise.allSettled(items.map((one) => send([one])));
    return outcomes.map((outcome) => (outcome.status === 'rejected' ? { error: outcome.reason as unknown } : { value: outcome.value[0] }));
  }
}

/**
 * The `idempotency_records` table. Every decision is one atomic statement judged by
 * PostgreSQL's clock, so gateway replicas sharing the database agree on who owns a key. A request
 * with a fresh key costs a claim and a record; claims that arrive together share one statement, and
 * so do records of responses sent together.
 */
export function idempotencyStore(db: Db, { ttlMs, leaseMs }: IdempotencyStoreOptions) {
  // One statement claims each key given (a new record, or taking over an expired record or an
  // abandoned claim of the same request: its gateway died) or, when it cannot, reads the record that
  // holds it; one row per key, in the order given. The keys must differ: PostgreSQL refuses a
  // statement that would claim one row twice. Rows are claimed in key order, so two statements
  // claiming overlapping keys (two batches, two gateways) wait for each other instead of deadlocking.
  // The read sees the table as the statement began, so a record made by a concurrent request that
  // committed since is missed: that key's row then has neither a claim nor a record, and is claimed again.
  const CLAIM = `
    WITH wanted AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS w (api_key_id, key, fingerprint, n)
    ), claimed AS (
      INSERT INTO ${TABLE} AS r (api_key_id, key, fingerprint, state, locked_until, created_at, expires_at)
      SELECT w.api_key_id, w.key, w.fingerprint, 'IN_FLIGHT', now() + $4::float8 * interval '1 millisecond', now(),
             now() + $5::float8 * interval '1 millisecond'
        FROM wanted AS w, ${ASYNC_COMMIT}
        ORDER BY w.api_key_id, w.key
      ON CONFLICT (api_key_id, key) DO UPDATE SET
        fingerprint = excluded.fingerprint, state = 'IN_FLIGHT', response_status = NULL, response_headers = NULL,
        response_body = NULL, locked_until = excluded.locked_until, created_at = excluded.created_at, expires_at = excluded.expires_at
      WHERE r.expires_at <= now() OR (r.state = 'IN_FLIGHT' AND r.fingerprint = excluded.fingerprint AND r.locked_until <= now())
      RETURNING r.api_key_id, r.key
    )
    SELECT c.key IS NOT NULL AS claimed, t.fingerprint, t.state, t.response_status, t.response_headers, t.response_body
      FROM wanted AS w
      LEFT JOIN claimed AS c ON c.api_key_id = w.api_key_id AND c.key = w.key
      LEFT JOIN ${TABLE} AS t ON c.key IS NULL AND t.api_key_id = w.api_key_id AND t.key = w.key
      ORDER BY w.n`;
  // Written as SQL rather than built: they run once per keyed request, and building costs more
  // CPU in the gateway than the statement does in PostgreSQL.
  // Records every response in one statement however many are given: the answers of one group
  // commit (a hot bill's batch, a ledger batch) come back together, and each would otherwise wait
  // for the pool and a round trip of its own before its client gets the answer.
  const COMPLETE = `UPDATE ${TABLE} AS r SET state = 'DONE', response_status = v.status, response_headers = v.headers::jsonb,
      response_body = v.body, locked_until = now()
    FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[]) AS v (api_key_id, key, fingerprint, status, headers, body),
      ${ASYNC_COMMIT}
    WHERE r.api_key_id = v.api_key_id AND r.key = v.key AND r.fingerprint = v.fingerprint AND r.state = 'IN_FLIGHT'`;
  const RELEASE = `DELETE FROM ${TABLE} USING ${ASYNC_COMMIT} WHERE api_key_id = $1::text AND key = $2::text AND fingerprint = $3::text AND state = 'IN_FLIGHT'`;

  interface Claim extends ScopedKey {
    fingerprint: string;
  }
  type ClaimRow = { claimed: boolean } & { [K in keyof RecordRow]: RecordRow[K] | null };
  const claimAll = (batch: readonly Claim[]) => prepared<ClaimRow>(db, 'idempotency_claim', CLAIM, [
    batch.map((one) => one.apiKeyId), batch.map((one) => one.key), batch.map((one) => one.fingerprint), leaseMs, ttlMs,
  ]);
  // Each caller's row, or undefined when its key must be claimed again (see CLAIM), or the error its claim met.
  const claims = createBatcher(() => 'claim', async (_target: string, batch: Claim[]): Promise<Array<{ row?: ClaimRow; error?: unknown }>> => {
    // A key twice in one statement is refused, so a repeat waits for the next statement; there
    // the first one's claim holds it, and the repeat is answered as in flight or replayed.
    const seen = new Set<string>();
    const first = batch.map((one) => {
      const id = JSON.stringify([one.apiKeyId, one.key]);
      const fresh = !seen.has(id);
      seen.add(id);
      return fresh;
    });
    const outcomes = await eachAloneIfRefused(batch.filter((_, index) => first[index]), claimAll);
    let next = 0;
    return batch.map((_, index) => {
      if (!first[index]) return {};
      const { value, error } = outcomes[next++]!;
      return error === undefined ? { row: value } : { error };
    });
  });

  interface Completion {
    scoped: ScopedKey;
    fingerprint: string;
    response: StoredResponse;
  }
  const record = (batch: readonly Completion[]) => prepared(db, 'idempotency_complete', COMPLETE, [
    batch.map((one) => one.scoped.apiKeyId), batch.map((one) => one.scoped.key), batch.map((one) => one.fingerprint),
    batch.map((one) => one.response.status),
    batch.map((one) => JSON.stringify(one.response.contentType === undefined ? {} : { 'content-type': one.response.contentType })),
    batch.map((one) => one.response.body),
  ]);
  // Each caller's outcome: nothing, or the error its record met.
  const completions = createBatcher(() => 'complete', async (_target: string, batch: Completion[]): Promise<Array<{ error?: unknown }>> =>
    eachAloneIfRefused(batch, async (all) => {
      await record(all);
      return all.map(() => undefined);
    }));

  return {
    /** Claims `key` for a request, or says why not. */
    async claim({ apiKeyId, key }: ScopedKey, fingerprint: string): Promise<ClaimOutcome> {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const { row, error } = await claims.add('claim', { apiKeyId, key, fingerprint });
        if (error !== undefined) throw error;
        if (row?.claimed) return { kind: 'claimed' };
        if (row?.fingerprint == null || row.state === null) continue;
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
    async complete(scoped: ScopedKey, fingerprint: string, response: StoredResponse): Promise<void> {
      const { error } = await completions.add('complete', { scoped, fingerprint, response });
      if (error !== undefined) throw error;
    },

    /** Forgets a claim whose request had no effect, so a retry with the key runs afresh. */
    async release({ apiKeyId, key }: ScopedKey, fingerprint: string): Promise<void> {
      await prepared(db, 'idempotency_release', RELEASE, [apiKeyId, key, fingerprint]);
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
