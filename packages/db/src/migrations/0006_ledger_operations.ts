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
// statement. The postings one statement gives an entry must balance per currency, which lets the
// balance check at commit run once per entry instead of once per posting. The other rules of
// 0005 are unchanged: balanced entries (checked at commit), immutability, postings only into an
// entry of their own transaction; a posting in a currency its account does not hold is refused
// by the composite foreign key ledger_postings_account_currency.
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
    -- The composite key (account_id, currency) -> ledger_accounts (id, currency) already names
    -- the account; the single-column key was a second lookup and lock per posting.
    ALTER TABLE ledger_postings DROP CONSTRAINT ledger_postings_account_id_fkey;

    -- Checks and balances for one INSERT of postings, all from its transition table (no scan
    -- of the big tables) except one primary-key probe per entry and one update per account.
    CREATE FUNCTION ledger_postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      offending record;
      account record;
      updated record;
    BEGIN
      -- The postings an entry gets in one statement balance per currency. Whatever an entry
      -- receives is therefore balanced by itself, so no later statement can unbalance an entry
      -- that was checked early (SET CONSTRAINTS ... IMMEDIATE); the check at commit still sees
      -- the whole entry.
      SELECT entry_id, currency,
             coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0) AS debits,
             coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0) AS credits
        INTO offending
        FROM new_postings
       GROUP BY entry_id, currency
      HAVING coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0)
          <> coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0)
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced in %: debits % <> credits %', offending.entry_id,
          offending.currency, offending.debits, offending.credits USING ERRCODE = 'check_violation';
      END IF;
      SELECT n.entry_id INTO offending
        FROM (SELECT DISTINCT entry_id FROM new_postings) n JOIN ledger_entries e ON e.id = n.entry_id
       WHERE e.created_txid <> pg_current_xact_id()
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % was committed earlier; a committed entry cannot gain postings', offending.entry_id
          USING ERRCODE = 'restrict_violation';
      END IF;
      -- One update per account, in id order: the row locks are taken in that order. A wallet
      -- must also stay at or above zero after each of the statement's postings in turn (posting
      -- id order, which is the order the entries were given in), not only at the end: a batch
      -- whose entries fund each other (a transfer A -> B beside B -> A, both wallets empty) is
      -- refused, as running those entries one after another would be.
      FOR account IN
        SELECT account_id, sum(delta) AS net_credit, min(running) AS lowest
          FROM (SELECT account_id,
                       CASE WHEN direction = 'CREDIT' THEN amount_minor ELSE -amount_minor END AS delta,
                       sum(CASE WHEN direction = 'CREDIT' THEN amount_minor ELSE -amount_minor END)
                         OVER (PARTITION BY account_id ORDER BY id) AS running
                  FROM new_postings) d
         GROUP BY account_id ORDER BY account_id
      LOOP
        UPDATE ledger_accounts
           SET balance_minor = balance_minor + CASE WHEN normal_side = 'CREDIT' THEN account.net_credit ELSE -account.net_credit END
         WHERE id = account.account_id
        RETURNING kind, balance_minor INTO updated;
        IF updated.kind = 'wallet' AND updated.balance_minor - account.net_credit + account.lowest < 0 THEN
          RAISE EXCEPTION 'wallet % would go below zero part-way through this statement', account.account_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_accounts_wallet_not_negative';
        END IF;
      END LOOP;
      RETURN NULL;
    END $$;
    CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_postings
      REFERENCING NEW TABLE AS new_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_apply();

    -- The balance check at commit runs once per entry: the postings' own deferred events, which
    -- re-checked the whole entry once per posting, are dropped. A posting statement is balanced
    -- per entry by itself (above), so nothing a later statement adds can unbalance an entry.
    DROP TRIGGER ledger_postings_balanced ON ledger_postings;
    CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      summary record;
    BEGIN
      -- One pass over the entry's postings: how many, and its first unbalanced currency if any.
      SELECT coalesce(sum(postings), 0) AS postings,
             (array_agg(currency ORDER BY currency) FILTER (WHERE debits <> credits))[1] AS currency,
             (array_agg(debits ORDER BY currency) FILTER (WHERE debits <> credits))[1] AS debits,
             (array_agg(credits ORDER BY currency) FILTER (WHERE debits <> credits))[1] AS credits
        INTO summary
        FROM (SELECT currency, count(*) AS postings,
                     coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0) AS debits,
                     coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0) AS credits
                FROM ledger_postings WHERE entry_id = NEW.id GROUP BY currency) per_currency;
      IF summary.postings < 2 THEN
        RAISE EXCEPTION 'ledger entry % has % posting(s); an entry needs at least two', NEW.id, summary.postings
          USING ERRCODE = 'check_violation';
      END IF;
      IF summary.currency IS NOT NULL THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced in %: debits % <> credits %', NEW.id,
          summary.currency, summary.debits, summary.credits USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
  `);
}
