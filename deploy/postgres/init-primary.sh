#!/usr/bin/env bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): the
# hub's own role and database, and the role the replica streams the WAL with.
set -euo pipefail
hub_pw=$(cat /run/secrets/postgres-hub)
repl_pw=$(cat /run/secrets/postgres-replicator)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE hub LOGIN PASSWORD '${hub_pw}';
CREATE DATABASE hub OWNER hub;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${repl_pw}';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
