#!/bin/sh
# Run once by the postgres image on a fresh data directory (/docker-entrypoint-initdb.d): the
# runtime role the api and the worker connect as. It owns nothing and is no superuser; the
# migration step (POSTGRES_USER, the tables' owner) grants it what it may do on every table
# (ledger/migrate.ts grantRuntimeRole). On an existing data directory, run the same CREATE ROLE by
# hand once (docs/operations.md#database-roles).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="corebank_app" -v password="$LEDGER_APP_DB_PASSWORD" -v dbname="$POSTGRES_DB" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'password';
GRANT CONNECT ON DATABASE :"dbname" TO :"role";
SQL
