#!/bin/sh
# Compose secrets arrive as files in /run/secrets. A secret whose file is named like an environment
# variable (target: DATAWELL_KAFKA_SASL_PASSWORD, PGPASSWORD, DATAWELL_AUTH_SECRET) becomes that
# variable of the service, so secrets never sit in the compose file, `docker inspect` or a .env file.
set -eu
if [ -d /run/secrets ]; then
  for file in /run/secrets/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    case "$name" in [A-Z]*) ;; *) continue ;; esac
    case "$name" in *[!A-Z0-9_]*) continue ;; esac
    export "$name=$(cat "$file")"
  done
fi
exec "$@"
