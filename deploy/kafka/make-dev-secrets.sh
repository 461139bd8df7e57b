#!/usr/bin/env bash
# Makes every secret the secured Kafka cluster needs, for development and tests: a throw-away
# CA, one broker certificate for the names given, and random passwords. Production takes its
# certificates from the organisation's PKI and its passwords from its vault; the file names
# stay the same.
#
#   deploy/kafka/make-dev-secrets.sh <dir> <subject-alternative-name>...
#   e.g. deploy/kafka/make-dev-secrets.sh deploy/secrets/kafka dns:kafka1 dns:kafka2 dns:kafka3
#
# <dir>/broker/      what the brokers read (mounted at /etc/kafka/secrets; security.properties):
#   broker.p12         broker key and certificate chain (PKCS12), password in tls-password
#   ca.pem             the CA certificate: what brokers, the hub and agencies trust
#   tls-password       password of broker.p12
#   broker-password    password of User:broker, the brokers' own principal between brokers
#   admin-password     password of User:admin, the operator's SCRAM principal
# <dir>/principals/  one password per SCRAM user for kafka-access.sh: hub, agency-<agency>
# <dir>/hub.env      KAFKA_SASL_PASSWORD=… for the hub (compose env_file)
#
# Passwords have no trailing newline (Kafka reads the files whole). The files are readable by
# all because the containers run as users of their own; keep production secrets readable only
# by the broker's user or group (Kubernetes: defaultMode 0440 and fsGroup).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <dir> <subject-alternative-name>... (e.g. dns:kafka1 ip:127.0.0.1)" >&2
  exit 2
fi
dir=$1
shift
san=$(IFS=,; echo "$*")
AGENCIES=(emergency construction market cyberspace police procuratorate court)
mkdir -p "$dir/broker" "$dir/principals"

random() { head -c 24 /dev/urandom | base64 | tr -d '\n/+='; }
secret() { [ -s "$1" ] || (umask 022 && printf '%s' "$(random)" >"$1"); }
for name in tls-password broker-password admin-password; do secret "$dir/broker/$name"; done
for user in hub "${AGENCIES[@]/#/agency-}"; do secret "$dir/principals/$user"; done
(umask 077 && printf 'KAFKA_SASL_PASSWORD=%s\n' "$(cat "$dir/principals/hub")" >"$dir/hub.env")

pass=$(cat "$dir/broker/tls-password")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
keytool -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 825 \
  -dname 'CN=hub kafka development CA' -ext bc:c \
  -keystore "$work/ca.p12" -storetype PKCS12 -storepass "$pass" 2>/dev/null
keytool -exportcert -rfc -alias ca -keystore "$work/ca.p12" -storepass "$pass" >"$work/ca.pem"
keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 825 \
  -dname 'CN=hub kafka broker' \
  -keystore "$work/broker.p12" -storetype PKCS12 -storepass "$pass" 2>/dev/null
keytool -certreq -alias broker -keystore "$work/broker.p12" -storepass "$pass" |
  keytool -gencert -alias ca -keystore "$work/ca.p12" -storepass "$pass" -validity 825 \
    -ext "SAN=$san" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth,clientAuth \
    -rfc >"$work/broker.pem"
keytool -importcert -noprompt -alias ca -file "$work/ca.pem" \
  -keystore "$work/broker.p12" -storepass "$pass" 2>/dev/null
keytool -importcert -alias broker -file "$work/broker.pem" \
  -keystore "$work/broker.p12" -storepass "$pass" 2>/dev/null
install -m 644 "$work/ca.pem" "$work/broker.p12" "$dir/broker/"
echo "secrets for brokers known as $san written to $dir"
