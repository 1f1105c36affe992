import type { Knex } from 'knex';

// What the ledger service needs on top of the books of 0005, and a cheaper way to keep balances.
//
// Entries learn what they are about: the bill they invoice or pay (`bill_id`), the payment a
// refund gives back (`refund_of`), the other customer of a transfer (`counterparty_id`, who sees
// it among their entries too), and their headline amount and currency, so what a bill still
// owes and what a payment can still refund are sums over a few indexed rows.
//
// Balances move once per statement instead of once per posting: an AFTER INSERT statement
// trigger sums the statement's postings per account, locks those accounts in id order and
// updates each once. Id order is decided here, in the database, so two writers can never wait on
// each other's accounts (no deadlock, whatever order a client sends postings in), and a batch of
// many entries touching one hot account updates its row once per batch, not once per posting.
// The wallet CHECK still judges the balance the statement leaves, so an overdraft fails the
// statement. The rules of 0005 are unchanged: balanced entries (checked at commit), immutability,
// postings only into an entry of their own transaction; a posting in a currency its account does not
// hold is refused by the composite foreign key ledger_postings_account_currency.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    ALTER TABLE ledger_entries
      ADD COLUMN bill_id text,
      ADD COLUMN refund_of text REFERENCES ledger_entries (id),
      ADD COLUMN amount_minor numeric(78, 0) CONSTRAINT ledger_entries_amount_positive CHECK (amount_minor > 0),
      ADD COLUMN currency text,
      ADD COLUMN counterparty_id text,
      ADD CONSTRAINT ledger_entries_refund_is_refund CHECK (refund_of IS NULL OR type = 'REFUND');
    CREATE INDEX ledger_entries_counterparty ON ledger_entries (counterparty_id, created_at DESC, id DESC)
      WHERE counterparty_id IS NOT NULL;
    CREATE INDEX ledger_entries_bill ON ledger_entries (bill_id) WHERE bill_id IS NOT NULL;
    CREATE INDEX ledger_entries_refund_of ON ledger_entries (refund_of) WHERE refund_of IS NOT NULL;

    DROP TRIGGER ledger_postings_apply ON ledger_postings;
    DROP FUNCTION ledger_postings_apply();

    CREATE FUNCTION ledger_postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      offending record;
    BEGIN
      SELECT p.entry_id INTO offending
        FROM new_postings p JOIN ledger_entries e ON e.id = p.entry_id
       WHERE e.created_txid <> pg_current_xact_id()
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % was committed earlier; a committed entry cannot gain postings', offending.entry_id
          USING ERRCODE = 'restrict_violation';
      END IF;
      -- Lock first, in id order (NO KEY UPDATE: compatible with the key-share locks foreign key
      -- checks take), then change each account once.
      PERFORM 1 FROM ledger_accounts
        WHERE id IN (SELECT account_id FROM new_postings)
        ORDER BY id
        FOR NO KEY UPDATE;
      UPDATE ledger_accounts a
         SET balance_minor = a.balance_minor + CASE WHEN a.normal_side = 'DEBIT' THEN d.net_debit ELSE -d.net_debit END
        FROM (SELECT account_id,
                     sum(CASE WHEN direction = 'DEBIT' THEN amount_minor ELSE -amount_minor END) AS net_debit
                FROM new_postings GROUP BY account_id) d
       WHERE a.id = d.account_id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
      REFERENCING NEW TABLE AS new_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_apply();

    -- The balance check at commit, done once per entry instead of once per row: an entry's own
    -- event checks that it has two postings; of its postings' events only the one of its last
    -- posting (highest id) checks the sums, and it always sees every posting, because a posting
    -- inserted after that event ran queues an event of its own.
    CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      posting_count bigint;
      unbalanced record;
    BEGIN
      IF TG_TABLE_NAME = 'ledger_entries' THEN
        SELECT count(*) INTO posting_count FROM (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.id LIMIT 2) p;
        IF posting_count < 2 THEN
          RAISE EXCEPTION 'ledger entry % has % posting(s); an entry needs at least two', NEW.id, posting_count
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END IF;
      IF EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = NEW.entry_id AND id > NEW.id) THEN
        RETURN NULL;
      END IF;
      SELECT currency,
             coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0) AS debits,
             coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0) AS credits
        INTO unbalanced
        FROM ledger_postings WHERE entry_id = NEW.entry_id
       GROUP BY currency
      HAVING coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0)
          <> coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0)
       ORDER BY currency
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced in %: debits % <> credits %', NEW.entry_id,
          unbalanced.currency, unbalanced.debits, unbalanced.credits
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
  `);
}
