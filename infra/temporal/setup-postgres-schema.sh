#!/bin/sh
# One-shot run by docker-compose (service temporal-schema, temporalio/admin-tools image) before the
# Temporal server starts: creates Temporal's two databases in PostgreSQL (temporal and
# temporal_visibility) with their schemas, or brings existing ones up to the schema version of
# this admin-tools release. Safe to run again: on a set-up database only update-schema runs, and
# it applies nothing when the schema is current. Run it with the new admin-tools image before
# rolling a Temporal server upgrade.
set -eu

# Where admin-tools keeps the schemas of its release (overridable to run the script elsewhere).
SCHEMAS="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "${POSTGRES_SEEDS:?}" -p "${DB_PORT:-5432}" \
    -u "${POSTGRES_USER:?}" --pw "${POSTGRES_PWD:?}" "$@"
}

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  dir="$SCHEMAS/${pair#*:}/versioned"
  if sql_tool --db "$db" update-schema -d "$dir" >/dev/null 2>&1; then
    echo "$db: schema up to date"
    continue
  fi
  # No database (or no schema in it) yet: make both, from version 0.0 up.
  sql_tool --db "$db" create-database || echo "$db: database exists; setting up its schema"
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
  echo "$db: schema set up"
done
