#!/usr/bin/env bash
# Creates (or updates) a SCRAM-SHA-512 user and its ACLs on the hub's Kafka cluster, as the
# operator's principal User:admin. Idempotent: run it again to change a password.
#
#   kafka-access.sh hub < password    User:hub: reads every hub.ingress.<agency>, writes every
#                                     hub.inbox.<agency> and hub.ingress.dead-letter, creates
#                                     hub.* topics, uses consumer groups hub-*
#   kafka-access.sh agency <agency> < password
#                                     User:agency-<agency>: writes only hub.ingress.<agency>,
#                                     reads only hub.inbox.<agency>, uses consumer groups
#                                     agency-<agency>.*
#   kafka-access.sh all <dir>         the hub and every agency, passwords from <dir>/hub and
#                                     <dir>/agency-<agency> (make-dev-secrets.sh writes these)
#   kafka-access.sh show              every ACL of the cluster
#
# A password is the first line of standard input (at least 16 of A-Z a-z 0-9 + / . _ ~ -), e.g.
# `head -c 24 /dev/urandom | base64 | tr -d '=\n'`; it never appears in a command line.
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVER  host:port of a CLIENT listener, e.g. kafka1:9092
#   KAFKA_ADMIN_CONFIG      client properties of User:admin; when unset, made from
#                           $KAFKA_SECRETS_DIR/admin-password and ca.pem (/etc/kafka/secrets)
#   KAFKA_BIN               directory of kafka-configs.sh and kafka-acls.sh (/opt/kafka/bin)
set -euo pipefail

AGENCIES=(emergency construction market cyberspace police procuratorate court)
: "${KAFKA_BOOTSTRAP_SERVER:?set KAFKA_BOOTSTRAP_SERVER to host:port of a CLIENT listener}"
bin=${KAFKA_BIN:-/opt/kafka/bin}
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
chmod 700 "$private"
if [ -z "${KAFKA_ADMIN_CONFIG:-}" ]; then
  secrets=${KAFKA_SECRETS_DIR:-/etc/kafka/secrets}
  KAFKA_ADMIN_CONFIG=$private/admin.properties
  cat >"$KAFKA_ADMIN_CONFIG" <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$secrets/admin-password")";
ssl.truststore.type=PEM
ssl.truststore.location=$secrets/ca.pem
PROPERTIES
fi
connect=(--bootstrap-server "$KAFKA_BOOTSTRAP_SERVER" --command-config "$KAFKA_ADMIN_CONFIG")

usage() {
  echo "usage: $0 hub | agency <$(IFS='|'; echo "${AGENCIES[*]}")> | all <dir> | show" >&2
  exit 2
}

# Creates or updates the SCRAM user; the password goes through a private file, not argv.
scram_user() {
  local user=$1 password
  IFS= read -r password || true
  if ! [[ $password =~ ^[A-Za-z0-9+/._~-]{16,}$ ]]; then
    echo "the password for $user must be at least 16 of A-Z a-z 0-9 + / . _ ~ -" >&2
    exit 2
  fi
  printf 'SCRAM-SHA-512=password=%s\n' "$password" >"$private/scram.properties"
  "$bin/kafka-configs.sh" "${connect[@]}" --alter --entity-type users --entity-name "$user" \
    --add-config-file "$private/scram.properties" >/dev/null
  rm -f "$private/scram.properties"
  echo "SCRAM-SHA-512 credentials set for User:$user"
}

allow() {
  "$bin/kafka-acls.sh" "${connect[@]}" --add --allow-principal "User:$1" "${@:2}" >/dev/null
  echo "allowed User:$1 ${*:2}"
}

hub() {
  scram_user hub
  allow hub --operation Read --topic hub.ingress. --resource-pattern-type prefixed
  allow hub --operation Write --topic hub.inbox. --resource-pattern-type prefixed
  allow hub --operation Write --topic hub.ingress.dead-letter
  # The hub creates its topics at start, with the replication it is configured for.
  allow hub --operation Create --topic hub. --resource-pattern-type prefixed
  allow hub --operation Read --group hub- --resource-pattern-type prefixed
}

agency() {
  [[ " ${AGENCIES[*]} " == *" $1 "* ]] || { echo "unknown agency \"$1\"" >&2; usage; }
  scram_user "agency-$1"
  allow "agency-$1" --operation Write --topic "hub.ingress.$1"
  allow "agency-$1" --operation Read --topic "hub.inbox.$1"
  allow "agency-$1" --operation Read --group "agency-$1." --resource-pattern-type prefixed
}

case "${1:-}" in
  hub)
    [ $# -eq 1 ] || usage
    hub
    ;;
  agency)
    [ $# -eq 2 ] || usage
    agency "$2"
    ;;
  all)
    [ $# -eq 2 ] || usage
    hub <"$2/hub"
    for a in "${AGENCIES[@]}"; do agency "$a" <"$2/agency-$a"; done
    ;;
  show)
    [ $# -eq 1 ] || usage
    "$bin/kafka-acls.sh" "${connect[@]}" --list
    ;;
  *) usage ;;
esac
