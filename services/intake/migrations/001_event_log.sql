-- intake's tables; the migration runner sets search_path to the service's schema.

-- The append-only log of every accepted partner event, exactly as republished on case.events.
-- The event id is the idempotency key: Kafka and HTTP deduplicate against it.
CREATE TABLE event_log (
    event_id          text PRIMARY KEY,
    case_id           text NOT NULL,
    event_type        text NOT NULL,
    partner           text NOT NULL,
    origin            text NOT NULL,
    source_topic      text,
    source_partition  integer,
    source_offset     bigint,
    event_time        timestamptz NOT NULL,
    received_at       timestamptz NOT NULL,
    payload           jsonb NOT NULL
);
CREATE INDEX event_log_case ON event_log (case_id, event_time);

-- What intake knows of each case, enough to judge the next event.
CREATE TABLE case_register (
    case_id          text PRIMARY KEY,
    lodged_on        date,
    cohort           text,
    track            smallint,
    last_event_id    text NOT NULL,
    last_event_time  timestamptz NOT NULL
);

-- Durable accounting: received = accepted + duplicate + rejected, over every worker and restart.
-- Updated in the same transaction as the log, so a count never runs ahead of or behind it.
CREATE TABLE accounting (
    origin   text NOT NULL,
    partner  text NOT NULL,
    outcome  text NOT NULL,
    reason   text NOT NULL DEFAULT '',
    events   bigint NOT NULL,
    PRIMARY KEY (origin, partner, outcome, reason)
);

-- Per Kafka source partition, the offset after the last record counted: a batch redelivered
-- after its transaction committed (crash before the offset commit) is not counted twice.
CREATE TABLE source_offsets (
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
