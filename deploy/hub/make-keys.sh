#!/usr/bin/env bash
# The three keys every process of a server-mode hub shares, made once into <dir> (for compose:
# deploy/secrets/hub, which git ignores; in production, from the secret store instead).
# Keys already there are kept: a new PII key would leave sealed data unopenable.
#   pii-key     HUB_PII_KEY_FILE      <id>:<32 random bytes, base64>
#   jwt-secret  HUB_JWT_SECRET_FILE   32 random bytes, base64
#   signing-key HUB_SIGNING_KEY_FILE  Ed25519 private then public key, PEM (`national`: SM2)
set -euo pipefail
dir=${1:?usage: make-keys.sh <dir> [international|national]}
suite=${2:-international}
mkdir -p "$dir"
umask 077
[ -s "$dir/pii-key" ] || echo "k1:$(head -c 32 /dev/urandom | base64)" >"$dir/pii-key"
[ -s "$dir/jwt-secret" ] || head -c 32 /dev/urandom | base64 >"$dir/jwt-secret"
if [ ! -s "$dir/signing-key" ]; then
  # Node's crypto makes the key: it is on every machine that runs the hub.
  SUITE=$suite node -e '
    const { generateKeyPairSync } = require("node:crypto");
    const pair = process.env.SUITE === "national"
      ? generateKeyPairSync("ec", { namedCurve: "SM2" })
      : generateKeyPairSync("ed25519");
    process.stdout.write(
      pair.privateKey.export({ type: "pkcs8", format: "pem" }) +
        pair.publicKey.export({ type: "spki", format: "pem" }),
    );' >"$dir/signing-key"
fi
echo "written: $dir/{pii-key,jwt-secret,signing-key}"
