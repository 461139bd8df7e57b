#!/usr/bin/env bash
# The streaming replica: cloned from the primary on first start (pg_basebackup -R writes the
# connection back to it), then started as a hot standby. Its application_name is what the
# primary's synchronous_standby_names waits for.
set -euo pipefail
export PGPASSWORD=$(cat /run/secrets/postgres-replicator)
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -d "host=${PRIMARY_HOST} user=replicator application_name=replica1" \
    -D "$PGDATA" -R -X stream -C -S replica1; do
    echo "waiting for the primary at ${PRIMARY_HOST}"; rm -rf "${PGDATA:?}"/*; sleep 2
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
