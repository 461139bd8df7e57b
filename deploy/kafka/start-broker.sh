#!/usr/bin/env bash
# Starts one node (broker and controller, KRaft) of the hub's Kafka cluster: this node's own
# settings, then security.properties. On first start it formats the data directory with the
# SCRAM credentials of User:admin, the operator's principal that creates the others
# (kafka-access.sh); brokers and controllers log in to each other as User:broker.
#
# Per node: KAFKA_NODE_ID (1, 2, 3 …), KAFKA_HOST (the name clients and the other nodes reach it
# by; on the broker certificate), KAFKA_CONTROLLER_QUORUM_VOTERS (1@kafka1:9093,…), CLUSTER_ID.
# Secrets in KAFKA_SECRETS_DIR (/etc/kafka/secrets; see make-dev-secrets.sh), data in
# KAFKA_DATA_DIR (/var/lib/kafka/data). Listeners: CLIENT 9092 (agencies and the hub,
# SCRAM-SHA-512), CONTROLLER 9093 and INTERNAL 9094 (User:broker only); all TLS. Other ports in
# KAFKA_CLIENT_PORT, KAFKA_CONTROLLER_PORT, KAFKA_INTERNAL_PORT. KAFKA_EXTRA_PROPERTIES: a file
# of further settings, read after this node's own (so it may change them, e.g. replication on a
# single-node development cluster) and before security.properties, which wins over it.
# Runs the same on Kafka 3.9 and 4.x (the apache/kafka images, or KAFKA_BIN of either).
set -euo pipefail
: "${KAFKA_NODE_ID:?}" "${KAFKA_HOST:?}" "${KAFKA_CONTROLLER_QUORUM_VOTERS:?}" "${CLUSTER_ID:?}"
here=$(cd "$(dirname "$0")" && pwd)
bin=${KAFKA_BIN:-/opt/kafka/bin}
secrets=${KAFKA_SECRETS_DIR:-/etc/kafka/secrets}
client=${KAFKA_CLIENT_PORT:-9092} controller=${KAFKA_CONTROLLER_PORT:-9093}
internal=${KAFKA_INTERNAL_PORT:-9094}
config=$(mktemp -d)/server.properties

# Replication 3 with min.insync.replicas 2 and acks=all (the hub's producers): an acknowledged
# event survives the loss of one broker; unclean leader election off: a stale replica never leads.
cat >"$config" <<PROPERTIES
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
controller.quorum.voters=$KAFKA_CONTROLLER_QUORUM_VOTERS
controller.listener.names=CONTROLLER
listeners=CLIENT://:$client,CONTROLLER://:$controller,INTERNAL://:$internal
advertised.listeners=CLIENT://$KAFKA_HOST:$client,INTERNAL://$KAFKA_HOST:$internal
log.dirs=${KAFKA_DATA_DIR:-/var/lib/kafka/data}
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
unclean.leader.election.enable=false
auto.create.topics.enable=false
PROPERTIES
if [ -n "${KAFKA_EXTRA_PROPERTIES:-}" ]; then
  { cat "$KAFKA_EXTRA_PROPERTIES" && echo; } >>"$config"
fi
sed "s#/etc/kafka/secrets#$secrets#g" "$here/security.properties" >>"$config"

"$bin/kafka-storage.sh" format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$config" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$(cat "$secrets/admin-password")]"
exec "$bin/kafka-server-start.sh" "$config"
