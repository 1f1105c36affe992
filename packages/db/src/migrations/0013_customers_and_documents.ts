import type { Knex } from 'knex';

// Customers as a resource, and the documents of closed bills (docs/invoices.md).
//
// - `customers`: a billing profile per customer id (the id is the caller's own, as everywhere).
//   Optional: a bill of an id with no profile still closes, and its invoice shows the id.
// - `bill_documents`: the bytes of each form (pdf, html, xml) of a bill's invoice with their
//   SHA-256, written in the transaction that makes the bill CLOSED. Append-only: a trigger refuses
//   UPDATE, DELETE and TRUNCATE, so a document once issued never changes; a later rendering is a
//   new `version`, and readers take the highest.
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE TABLE customers (
      id                  text PRIMARY KEY,
      legal_name          text NOT NULL,
      email               text,
      address             jsonb,
      tax_id              text,
      locale              text,
      time_zone           text,
      currency            text CONSTRAINT customers_currency_code CHECK (currency ~ '^[A-Z]{3}$'),
      electronic_address  text,
      created_at          timestamptz NOT NULL DEFAULT now(),
      updated_at          timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE bill_documents (
      bill_id           text NOT NULL REFERENCES bills (id),
      kind              text NOT NULL CHECK (kind IN ('invoice')),
      version           integer NOT NULL CHECK (version >= 1),
      format            text NOT NULL CHECK (format IN ('pdf', 'html', 'xml')),
      content_type      text NOT NULL,
      sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      bytes             bytea NOT NULL,
      template_version  integer NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (bill_id, kind, version, format),
      CONSTRAINT bill_documents_hash_matches CHECK (sha256 = encode(sha256(bytes), 'hex'))
    );

    CREATE FUNCTION bill_documents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'bill documents are immutable: % is refused; render a new version instead', TG_OP
        USING ERRCODE = 'check_violation', CONSTRAINT = 'bill_documents_append_only';
    END $$;
    CREATE TRIGGER bill_documents_immutable BEFORE UPDATE OR DELETE ON bill_documents
      FOR EACH ROW EXECUTE FUNCTION bill_documents_append_only();
    CREATE TRIGGER bill_documents_no_truncate BEFORE TRUNCATE ON bill_documents
      FOR EACH STATEMENT EXECUTE FUNCTION bill_documents_append_only();
  `);
}
