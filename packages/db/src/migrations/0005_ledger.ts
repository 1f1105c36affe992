import type { Knex } from 'knex';

// The double-entry books, enforced by PostgreSQL itself so that no bug in any service (and no
// hand-written SQL) can post an unbalanced entry, edit or delete one, or let a balance drift from
// its postings. docs/ledger.md explains the account model; the rules, each where it is enforced:
//   - every entry balances per currency and has at least two postings: a constraint trigger
//     deferred to commit, so the postings of one entry can be inserted one by one;
//   - entries and postings are append-only: UPDATE, DELETE and TRUNCATE are refused, and a posting
//     may only join an entry inserted by the same transaction;
//   - an account's balance is the sum of its postings in its normal direction: the posting's
//     insert trigger updates the account row in the same transaction, and the account row refuses
//     any other change;
//   - a wallet never goes below zero: a CHECK on the account row, evaluated on that update;
//   - a posting's currency is its account's currency: checked by the trigger with a clear message,
//     and by a composite foreign key as well.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE ledger_accounts (
      id             text PRIMARY KEY,
      customer_id    text,
      kind           text NOT NULL CHECK (kind IN ('receivable', 'wallet', 'revenue', 'cash', 'fx', 'external')),
      -- An ISO 4217 code or a registered non-fiat unit code (BTC, ETH, POINTS, ...).
      currency       text NOT NULL CONSTRAINT ledger_accounts_currency_code CHECK (currency ~ '^[A-Z][A-Z0-9]{1,11}$'),
      provider       text,
      -- Signed, in the account's normal direction: debits minus credits for a debit-normal
      -- account, credits minus debits for a credit-normal one. Exact integers of minor units;
      -- 78 digits hold any uint256 (wei amounts included).
      balance_minor  numeric(78, 0) NOT NULL DEFAULT 0,
      normal_side    text NOT NULL CHECK (normal_side IN ('DEBIT', 'CREDIT')),
      created_at     timestamptz NOT NULL DEFAULT now(),
      -- One account per owner, kind, currency and provider; a missing customer or provider is one
      -- value, so there is exactly one platform-wide revenue account per currency, not many.
      CONSTRAINT ledger_accounts_owner UNIQUE NULLS NOT DISTINCT (customer_id, kind, currency, provider),
      -- The target of the postings' composite foreign key (account and currency together).
      CONSTRAINT ledger_accounts_id_currency UNIQUE (id, currency),
      -- The normal direction follows from the kind, so it can never be chosen wrongly per account.
      CONSTRAINT ledger_accounts_normal_side CHECK (
        normal_side = CASE WHEN kind IN ('receivable', 'cash', 'fx', 'external') THEN 'DEBIT' ELSE 'CREDIT' END),
      -- What a customer holds can never be spent twice: checked on every balance change, so a
      -- concurrent withdrawal that would overdraw fails instead of committing.
      CONSTRAINT ledger_accounts_wallet_not_negative CHECK (kind <> 'wallet' OR balance_minor >= 0)
    );

    CREATE TABLE ledger_entries (
      id               text PRIMARY KEY CONSTRAINT ledger_entries_id_prefix CHECK (id ~ '^ent_.+'),
      type             text NOT NULL CHECK (type IN ('INVOICE', 'PAYMENT', 'TOPUP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'ADJUSTMENT')),
      idempotency_key  text NOT NULL CONSTRAINT ledger_entries_idempotency_key UNIQUE,
      reference        text,
      customer_id      text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      -- The transaction that inserted the entry (set by a trigger, never by a client): postings
      -- may join only an entry of their own transaction, so a committed entry can never grow.
      created_txid     xid8 NOT NULL DEFAULT pg_current_xact_id()
    );
    CREATE INDEX ledger_entries_customer ON ledger_entries (customer_id, created_at DESC, id DESC);

    CREATE TABLE ledger_postings (
      id            bigserial PRIMARY KEY,
      entry_id      text NOT NULL REFERENCES ledger_entries (id),
      account_id    text NOT NULL REFERENCES ledger_accounts (id),
      direction     text NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
      amount_minor  numeric(78, 0) NOT NULL CONSTRAINT ledger_postings_amount_positive CHECK (amount_minor > 0),
      currency      text NOT NULL,
      CONSTRAINT ledger_postings_account_currency FOREIGN KEY (account_id, currency)
        REFERENCES ledger_accounts (id, currency)
    );
    CREATE INDEX ledger_postings_entry ON ledger_postings (entry_id);
    CREATE INDEX ledger_postings_account ON ledger_postings (account_id, id);

    CREATE FUNCTION ledger_entries_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- pg_current_xact_id() is the top-level transaction even inside a savepoint.
      NEW.created_txid := pg_current_xact_id();
      RETURN NEW;
    END $$;
    CREATE TRIGGER ledger_entries_stamp BEFORE INSERT ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_entries_stamp();

    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger % are immutable: % is refused; post a new entry (an ADJUSTMENT or a REFUND) instead',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
    CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
  `);

  // Why the balance is updated by the posting's own trigger: the UPDATE of the account row takes
  // that row's lock until the transaction ends, so two transactions posting to one account are
  // serialized on it, and under READ COMMITTED the second one's UPDATE re-reads the row as the
  // first one committed it before adding its amount. The balance therefore always equals the sum
  // of the committed postings, and the wallet CHECK judges each change against the true current
  // balance: of many concurrent withdrawals exactly those the balance covers commit. The cost is
  // that one account's postings are serial (a hot account is a throughput limit); writers that
  // touch several accounts should insert their postings in account id order so two entries never
  // wait on each other's rows (a deadlock PostgreSQL would detect and abort, never a wrong book).
  await db.raw(`
    CREATE FUNCTION ledger_postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      entry_txid xid8;
      account_currency text;
    BEGIN
      SELECT created_txid INTO entry_txid FROM ledger_entries WHERE id = NEW.entry_id;
      IF FOUND AND entry_txid <> pg_current_xact_id() THEN
        RAISE EXCEPTION 'ledger entry % was committed earlier; a committed entry cannot gain postings', NEW.entry_id
          USING ERRCODE = 'restrict_violation';
      END IF;
      UPDATE ledger_accounts
         SET balance_minor = balance_minor
               + CASE WHEN normal_side = NEW.direction THEN NEW.amount_minor ELSE -NEW.amount_minor END
       WHERE id = NEW.account_id AND currency = NEW.currency
      RETURNING currency INTO account_currency;
      IF NOT FOUND THEN
        SELECT currency INTO account_currency FROM ledger_accounts WHERE id = NEW.account_id;
        IF FOUND THEN
          RAISE EXCEPTION 'posting currency % does not match ledger account % held in %',
            NEW.currency, NEW.account_id, account_currency USING ERRCODE = 'check_violation';
        END IF;
        -- A missing account is left to the foreign key, which names it.
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ledger_postings_apply BEFORE INSERT ON ledger_postings
      FOR EACH ROW EXECUTE FUNCTION ledger_postings_apply();

    -- An account row changes only through a posting (trigger depth 2: this trigger inside the
    -- posting trigger), and then only its balance. It opens at zero and is never deleted.
    CREATE FUNCTION ledger_accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.balance_minor <> 0 THEN
          RAISE EXCEPTION 'ledger account % must open with a zero balance; post an entry to fund it', NEW.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
         AND (NEW.id, NEW.customer_id, NEW.kind, NEW.currency, NEW.provider, NEW.normal_side, NEW.created_at)
             IS NOT DISTINCT FROM
             (OLD.id, OLD.customer_id, OLD.kind, OLD.currency, OLD.provider, OLD.normal_side, OLD.created_at) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'ledger account % is refused: a balance changes only through postings, and an account is never edited or deleted', TG_OP
        USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER ledger_accounts_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_accounts
      FOR EACH ROW EXECUTE FUNCTION ledger_accounts_guard();
    CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

    -- Runs at commit (or SET CONSTRAINTS ... IMMEDIATE), once per inserted entry and posting, when
    -- every posting of the transaction is in place.
    CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      checked_entry text;
      posting_count bigint;
      unbalanced record;
    BEGIN
      -- Separate statements: PL/pgSQL resolves a record field only when its statement runs.
      IF TG_TABLE_NAME = 'ledger_entries' THEN
        checked_entry := NEW.id;
      ELSE
        checked_entry := NEW.entry_id;
      END IF;
      SELECT count(*) INTO posting_count FROM ledger_postings WHERE entry_id = checked_entry;
      IF posting_count < 2 THEN
        RAISE EXCEPTION 'ledger entry % has % posting(s); an entry needs at least two', checked_entry, posting_count
          USING ERRCODE = 'check_violation';
      END IF;
      SELECT currency,
             sum(amount_minor) FILTER (WHERE direction = 'DEBIT') AS debits,
             sum(amount_minor) FILTER (WHERE direction = 'CREDIT') AS credits
        INTO unbalanced
        FROM ledger_postings WHERE entry_id = checked_entry
       GROUP BY currency
      HAVING coalesce(sum(amount_minor) FILTER (WHERE direction = 'DEBIT'), 0)
          <> coalesce(sum(amount_minor) FILTER (WHERE direction = 'CREDIT'), 0)
       ORDER BY currency
       LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'ledger entry % is unbalanced in %: debits % <> credits %', checked_entry,
          unbalanced.currency, coalesce(unbalanced.debits, 0), coalesce(unbalanced.credits, 0)
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
    CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced();
  `);
}
