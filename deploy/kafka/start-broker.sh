#!/bin/bash
# The kafka service's command: the broker with SASL/SCRAM-SHA-512 and ACLs (server.properties).
# On first start the storage is formatted with the `admin` SCRAM credential (KIP-900), the only
# way to have a SCRAM user before the broker accepts SASL logins; later starts keep the storage.
# Passwords: letters, digits, '-' and '_' only (they go into JAAS lines and SCRAM config).
set -euo pipefail
: "${KAFKA_CLUSTER_ID:?set in deploy/env/kafka.env}"
: "${KAFKA_ADMIN_PASSWORD:?set in deploy/env/kafka.env}"
umask 077
config=/tmp/caseflow-server.properties
admin=/tmp/caseflow-admin.properties
cp /etc/caseflow/kafka/server.properties "$config"
login="org.apache.kafka.common.security.scram.ScramLoginModule required"
login="$login username=\"admin\" password=\"$KAFKA_ADMIN_PASSWORD\";"
echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$login" >>"$config"
# The healthcheck's client configuration (admin, inside this container only).
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=%s\n' \
  "$login" >"$admin"
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$KAFKA_CLUSTER_ID" -c "$config" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
