#!/bin/sh
# Kafka principals and ACLs of a deployment, run by the operator against its broker as the admin
# principal (apache/kafka image, service kafka-admin of docker-compose.yml):
#   principals.sh operator           the operator's principal "operator" (password: its secret
#                                    kafka-password) with its topics and consumer groups
#   principals.sh member <MSP id>    a member's principal "<MSP id>": a fresh random password, printed
#                                    once as the credentials file the member keeps as its secret
#                                    kafka-credentials.json (the broker keeps only its SCRAM hash),
#                                    and the member's topics
# Topic names are prefixes (OPERATOR_TOPIC_PREFIXES, MEMBER_TOPIC_PREFIX): docs/security.md, "Kafka".
set -eu
BOOTSTRAP=${KAFKA_BOOTSTRAP:-kafka:9092}
ADMIN=/tmp/admin.properties
umask 077
cat > "$ADMIN" <<PROPERTIES
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat /run/secrets/kafka-admin-password)";
PROPERTIES
bin=/opt/kafka/bin

scram() {
  "$bin/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[password=$2]" > /dev/null
}
# allow <principal> <topic prefix> <group prefix>: read and write its topics, use its groups.
allow() {
  for op in Read Write Describe Create; do
    "$bin/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --add --allow-principal "User:$1" \
      --operation "$op" --topic "$2" --resource-pattern-type prefixed > /dev/null
  done
  "$bin/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN" --add --allow-principal "User:$1" \
    --operation Read --group "$3" --resource-pattern-type prefixed > /dev/null
}

case "${1:-}" in
  operator)
    scram operator "$(cat /run/secrets/kafka-password)"
    for prefix in ${OPERATOR_TOPIC_PREFIXES:-datawell.ledger. datawell.network. datawell.negotiation. datawell.mpc.}; do
      allow operator "$prefix" datawell-
    done
    echo "kafka-admin: principal operator and its ACLs are in place"
    ;;
  member)
    msp=${2:?usage: principals.sh member <MSP id>}
    case "$msp" in *[!A-Za-z0-9._-]*) echo "kafka-admin: not an MSP id: $msp" >&2; exit 2 ;; esac
    password=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    scram "$msp" "$password"
    allow "$msp" "${MEMBER_TOPIC_PREFIX:-datawell.member.}$msp." "datawell-$msp-"
    echo "kafka-admin: principal $msp created; the member saves the next line as deploy/compose/secrets/$msp/kafka-credentials.json (shown once):" >&2
    printf '{"mechanism":"SCRAM-SHA-512","username":"%s","password":"%s"}\n' "$msp" "$password"
    ;;
  *) echo "usage: principals.sh operator | member <MSP id>" >&2; exit 2 ;;
esac
