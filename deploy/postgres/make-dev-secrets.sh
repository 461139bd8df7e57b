#!/usr/bin/env bash
# Development passwords for the server-mode PostgreSQL (compose.server.yaml), into <dir>
# (deploy/secrets/postgres, which git ignores). Production: from the secret store instead.
set -euo pipefail
dir=${1:?usage: make-dev-secrets.sh <dir>}
mkdir -p "$dir"
umask 077
pw() { head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }
[ -s "$dir/superuser" ] || pw >"$dir/superuser"
[ -s "$dir/replicator" ] || pw >"$dir/replicator"
[ -s "$dir/hub" ] || pw >"$dir/hub"
echo "DATABASE_URL=postgres://hub:$(cat "$dir/hub")@postgres-primary:5432/hub" >"$dir/hub.env"
echo "written: $dir/{superuser,replicator,hub,hub.env}"
