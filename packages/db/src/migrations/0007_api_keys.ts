import type { Knex } from 'knex';

// API keys (only a hash of each secret is stored), the token buckets that rate-limit them across
// every gateway replica, and idempotency records scoped to the key that made them.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE api_keys (
      id                     text PRIMARY KEY,
      name                   text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
      -- NULL: a platform key; otherwise the one customer the key may act for.
      customer_id            text,
      -- The first characters of the secret, to tell keys apart in lists; not enough to use it.
      prefix                 text NOT NULL,
      -- SHA-256 of the secret: the secret has 256 random bits, so no salt or slow hash is needed.
      key_hash               bytea NOT NULL UNIQUE,
      -- NULL: the gateway's RATE_LIMIT_PER_MINUTE.
      rate_limit_per_minute  integer CHECK (rate_limit_per_minute > 0),
      created_at             timestamptz NOT NULL DEFAULT now(),
      revoked_at             timestamptz,
      last_used_at           timestamptz
    );
    CREATE INDEX api_keys_created ON api_keys (created_at, id);

    -- One token bucket per API key: tokens refill continuously up to the key's per-minute limit.
    -- UNLOGGED: no write-ahead log, so taking a token waits for no disk flush. A crash empties the
    -- table, which only hands every key a full bucket once: a price worth the per-request cost.
    CREATE UNLOGGED TABLE rate_limit_buckets (
      bucket       text PRIMARY KEY,
      tokens       double precision NOT NULL,
      refilled_at  timestamptz NOT NULL,
      -- Whether the last request took a token; read back in the same statement.
      granted      boolean NOT NULL DEFAULT true
    );

    -- An Idempotency-Key is unique per client: two API keys never share a record.
    ALTER TABLE idempotency_records ADD COLUMN api_key_id text NOT NULL DEFAULT '';
    ALTER TABLE idempotency_records DROP CONSTRAINT idempotency_records_pkey;
    ALTER TABLE idempotency_records ADD PRIMARY KEY (api_key_id, key);
  `);
}
