#!/bin/bash
# One-shot (service `kafka-security` in docker-compose.yml): creates the SCRAM-SHA-512 users and
# the ACLs, as the `admin` super user, from deploy/env/kafka.env. Running it again is harmless:
# credentials are overwritten with the env file's values and ACLs that exist are kept.
#
# The `acl` lines below ARE the access matrix (tests/deploy/test_kafka_security.py parses them
# and compares with the matrix it expects): the broker denies everything no ACL allows.
# Write, Read and Create imply Describe; Read on a group implies Describe on it.
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?set in deploy/env/kafka.env}"
bootstrap=${KAFKA_BOOTSTRAP:-kafka:9092}
bin=${KAFKA_BIN:-/opt/kafka/bin}
umask 077
admin=${KAFKA_ADMIN_PROPERTIES:-/tmp/caseflow-admin.properties}
cat >"$admin" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
PROPS

# user NAME PASSWORD: create or update the principal's SCRAM-SHA-512 credential.
user() {
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --command-config "$admin" \
    --alter --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
  echo "user $1"
}

# acl PRINCIPAL OPERATION topic|group NAME: allow one operation on one literal resource.
acl() {
  "$bin/kafka-acls.sh" --bootstrap-server "$bootstrap" --command-config "$admin" \
    --add --allow-principal "User:$1" --operation "$2" "--$3" "$4" \
    --resource-pattern-type literal >/dev/null
  echo "acl  User:$1 $2 $3:$4"
}

user init "${KAFKA_PASSWORD_INIT:?}"
user intake "${KAFKA_PASSWORD_INTAKE:?}"
user dublin "${KAFKA_PASSWORD_DUBLIN:?}"
user deadline "${KAFKA_PASSWORD_DEADLINE:?}"
user metrics "${KAFKA_PASSWORD_METRICS:?}"
user clock "${KAFKA_PASSWORD_CLOCK:?}"

# init (`caseflow infra up`): creates the catalogue's topics, nothing else.
acl init Create topic partner.events
acl init Create topic case.events
acl init Create topic case.deadlines
acl init Create topic dublin.events
acl init Create topic intake.rejected

# intake: partner.events in; accepted events to case.events, rejections to intake.rejected.
acl intake Read topic partner.events
acl intake Write topic case.events
acl intake Write topic intake.rejected
acl intake Read group caseflow-intake

# dublin: case.events in; its events to dublin.events, side-inflow back to case.events.
acl dublin Read topic case.events
acl dublin Write topic case.events
acl dublin Write topic dublin.events
acl dublin Read group caseflow-dublin

# deadline: case.events in; warnings and breaches to case.deadlines.
acl deadline Read topic case.events
acl deadline Write topic case.deadlines
acl deadline Read group caseflow-deadline

# metrics: reads the four topics it counts, writes nothing.
acl metrics Read topic case.events
acl metrics Read topic case.deadlines
acl metrics Read topic dublin.events
acl metrics Read topic intake.rejected
acl metrics Read group caseflow-metrics

# clock: ticks into case.events. The Faust worker also joins its own group and looks up its
# leader-assignor topic (never created: topic declaration is off), hence the last two.
acl clock Write topic case.events
acl clock Read group caseflow-clock
acl clock Describe topic caseflow-clock-__assignor-__leader

# Partners (KAFKA_PARTNERS, e.g. "ind police"): principal partner-<name>, password
# KAFKA_PASSWORD_PARTNER_<NAME>; each may write partner.events and read nothing.
for name in ${KAFKA_PARTNERS:-}; do
  var="KAFKA_PASSWORD_PARTNER_$(echo "$name" | tr '[:lower:]-' '[:upper:]_')"
  user "partner-$name" "${!var:?$var is not set}"
  acl "partner-$name" Write topic partner.events
done
echo "kafka security: users and ACLs in place"
