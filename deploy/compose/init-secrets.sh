#!/bin/sh
# Creates a domain's Compose secrets, random, in deploy/compose/secrets/<domain>/ (mode 0700; git
# ignores it): run once on the machine of that domain, and nowhere else.
#   deploy/compose/init-secrets.sh operator
#   deploy/compose/init-secrets.sh <MSP id>     then add kafka-credentials.json: the operator's
#                                               kafka-admin prints it when it creates the principal
# An existing file is kept, so a rerun never changes a password a running domain uses.
set -eu
domain=${1:?usage: init-secrets.sh operator | <MSP id>}
case "$domain" in *[!A-Za-z0-9._-]*) echo "init-secrets: not a domain name: $domain" >&2; exit 2 ;; esac
dir="$(cd "$(dirname "$0")" && pwd)/secrets/$domain"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
names="postgres-password ca-admin-password node-secret auth-secret"
[ "$domain" = operator ] && names="$names kafka-admin-password kafka-password"
for name in $names; do
  [ -s "$dir/$name" ] || random > "$dir/$name"
done
# A member's traffic key (32 random bytes, DATAWELL_TRAFFIC_KEY_FILE): seals what its services put
# on the operator's broker (docs/security.md). Only this domain holds it; never replaced once made.
if [ "$domain" != operator ] && [ ! -s "$dir/traffic.key" ]; then
  head -c 32 /dev/urandom > "$dir/traffic.key"
fi
# The operator's own Kafka principal, in the credentials file libs/config reads.
if [ "$domain" = operator ] && [ ! -s "$dir/kafka-credentials.json" ]; then
  printf '{"mechanism":"SCRAM-SHA-512","username":"operator","password":"%s"}\n' "$(cat "$dir/kafka-password")" > "$dir/kafka-credentials.json"
fi
echo "init-secrets: $dir"
