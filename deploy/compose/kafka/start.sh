#!/bin/sh
# Starts the operator's Kafka (apache/kafka image; single KRaft node, broker and controller) with
# SASL on every listener and the StandardAuthorizer: no anonymous client, no access without an ACL.
# Clients: SCRAM-SHA-512 (credentials live in the cluster metadata). The controller listener stays
# on the container's loopback with SASL/PLAIN, because KRaft controllers cannot check SCRAM.
# The admin principal's password is the Compose secret kafka-admin-password; it is the only super user
# and is added at format time (--add-scram), so the broker can authenticate to itself on first start.
# KAFKA_EXTERNAL_ADDRESS: host:port members' processes reach (docs/deploy.md).
set -eu
: "${CLUSTER_ID:?CLUSTER_ID is required}"
: "${KAFKA_EXTERNAL_ADDRESS:?KAFKA_EXTERNAL_ADDRESS is required}"
ADMIN_PASSWORD=$(cat /run/secrets/kafka-admin-password)
CONFIG=/tmp/server.properties
umask 077
cat > "$CONFIG" <<PROPERTIES
node.id=1
process.roles=broker,controller
controller.quorum.voters=1@localhost:9093
listeners=INTERNAL://:9092,CONTROLLER://localhost:9093,EXTERNAL://:9094
advertised.listeners=INTERNAL://kafka:9092,EXTERNAL://$KAFKA_EXTERNAL_ADDRESS
listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$ADMIN_PASSWORD" user_admin="$ADMIN_PASSWORD";
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.dirs=/var/lib/kafka/data
PROPERTIES
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$CLUSTER_ID" -c "$CONFIG" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$ADMIN_PASSWORD]"
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
