import type { Knex } from 'knex';

// Credit notes (docs/invoices.md, "Credit notes").
//
// - The ledger learns a contra-revenue account kind (debit-normal: what credit notes took back
//   from revenue) and two entry types: CREDIT_NOTE (contra-revenue -> receivable) and
//   CREDIT_NOTE_VOID (its exact reversal).
// - `credit_note_counters`: one row per year, the last number issued; taken by an upsert in the
//   transaction that posts the credit note, so a refused or rolled-back credit note burns none.
// - `credit_notes` and `credit_note_lines`: what each credit note took back, from which line.
//   A credit note changes once, from ISSUED to VOID; a trigger refuses every other change and
//   every delete.
// - `credit_note_documents`: its PDF, HTML and UBL bytes with their SHA-256, append-only as the
//   invoices' `bill_documents` are.
// - Event types may have an underscore in their first part too (`credit_note.issued`).
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
      CHECK (kind IN ('receivable', 'wallet', 'revenue', 'cash', 'fx', 'external', 'contrarevenue'));
    ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_normal_side;
    ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_normal_side CHECK (
      normal_side = CASE WHEN kind IN ('receivable', 'cash', 'fx', 'external', 'contrarevenue') THEN 'DEBIT' ELSE 'CREDIT' END);

    ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_type_check;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_type_check CHECK (type IN (
      'INVOICE', 'PAYMENT', 'TOPUP', 'WITHDRAWAL', 'TRANSFER', 'REFUND', 'ADJUSTMENT', 'CREDIT_NOTE', 'CREDIT_NOTE_VOID'));

    ALTER TABLE events DROP CONSTRAINT events_type_check;
    ALTER TABLE events ADD CONSTRAINT events_type_check CHECK (type ~ '^[a-z][a-z_]*\\.[a-z_]+$');

    CREATE TABLE credit_note_counters (
      year         integer PRIMARY KEY,
      last_number  integer NOT NULL CHECK (last_number >= 1)
    );

    CREATE TABLE credit_notes (
      id               text PRIMARY KEY CHECK (id ~ '^cn_.+'),
      number           text NOT NULL UNIQUE,
      year             integer NOT NULL,
      sequence         integer NOT NULL CHECK (sequence >= 1),
      bill_id          text NOT NULL REFERENCES bills (id),
      customer_id      text NOT NULL,
      -- The caller's key, per customer: a retry answers the first credit note.
      idempotency_key  text NOT NULL,
      status           text NOT NULL CHECK (status IN ('ISSUED', 'VOID')),
      reason           text NOT NULL,
      settlement       text NOT NULL CHECK (settlement IN ('refund', 'wallet', 'outOfBand')),
      currency         text NOT NULL,
      amount_minor     numeric(78, 0) NOT NULL CHECK (amount_minor > 0),
      -- The part that lowered what the bill owed, and the part the settlement gave back.
      applied_minor    numeric(78, 0) NOT NULL CHECK (applied_minor >= 0),
      settled_minor    numeric(78, 0) NOT NULL CHECK (settled_minor >= 0),
      entry_ids        text[] NOT NULL,
      void_entry_id    text REFERENCES ledger_entries (id),
      issued_at        timestamptz NOT NULL DEFAULT now(),
      voided_at        timestamptz,
      CONSTRAINT credit_notes_series UNIQUE (year, sequence),
      CONSTRAINT credit_notes_key UNIQUE (customer_id, idempotency_key),
      CONSTRAINT credit_notes_parts CHECK (applied_minor + settled_minor = amount_minor),
      CONSTRAINT credit_notes_void CHECK ((status = 'VOID') = (voided_at IS NOT NULL AND void_entry_id IS NOT NULL))
    );
    CREATE INDEX credit_notes_bill ON credit_notes (bill_id, issued_at, id);

    CREATE TABLE credit_note_lines (
      credit_note_id  text NOT NULL REFERENCES credit_notes (id),
      position        integer NOT NULL CHECK (position >= 1),
      -- The credited line item; null for a credit of the bill as a whole.
      line_item_id    text,
      description     text NOT NULL,
      amount_minor    numeric(78, 0) NOT NULL CHECK (amount_minor > 0),
      PRIMARY KEY (credit_note_id, position)
    );
    CREATE INDEX credit_note_lines_item ON credit_note_lines (line_item_id) WHERE line_item_id IS NOT NULL;

    CREATE TABLE credit_note_documents (
      credit_note_id    text NOT NULL REFERENCES credit_notes (id),
      version           integer NOT NULL CHECK (version >= 1),
      format            text NOT NULL CHECK (format IN ('pdf', 'html', 'xml')),
      content_type      text NOT NULL,
      sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      bytes             bytea NOT NULL,
      template_version  integer NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (credit_note_id, version, format),
      CONSTRAINT credit_note_documents_hash_matches CHECK (sha256 = encode(sha256(bytes), 'hex'))
    );

    CREATE FUNCTION credit_notes_only_void() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.status = 'ISSUED' AND NEW.status = 'VOID'
         AND (to_jsonb(NEW) - 'status' - 'voided_at' - 'void_entry_id') = (to_jsonb(OLD) - 'status' - 'voided_at' - 'void_entry_id') THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'credit notes are immutable but for voiding an issued one: % is refused', TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_notes_immutable';
    END $$;
    CREATE TRIGGER credit_notes_immutable BEFORE UPDATE OR DELETE ON credit_notes
      FOR EACH ROW EXECUTE FUNCTION credit_notes_only_void();

    CREATE FUNCTION credit_note_rows_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% rows are immutable: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_note_rows_append_only';
    END $$;
    CREATE TRIGGER credit_note_lines_immutable BEFORE UPDATE OR DELETE ON credit_note_lines
      FOR EACH ROW EXECUTE FUNCTION credit_note_rows_append_only();
    CREATE TRIGGER credit_note_documents_immutable BEFORE UPDATE OR DELETE ON credit_note_documents
      FOR EACH ROW EXECUTE FUNCTION credit_note_rows_append_only();
    CREATE TRIGGER credit_notes_no_truncate BEFORE TRUNCATE ON credit_notes
      FOR EACH STATEMENT EXECUTE FUNCTION credit_note_rows_append_only();
    CREATE TRIGGER credit_note_lines_no_truncate BEFORE TRUNCATE ON credit_note_lines
      FOR EACH STATEMENT EXECUTE FUNCTION credit_note_rows_append_only();
    CREATE TRIGGER credit_note_documents_no_truncate BEFORE TRUNCATE ON credit_note_documents
      FOR EACH STATEMENT EXECUTE FUNCTION credit_note_rows_append_only();
  `);
}
