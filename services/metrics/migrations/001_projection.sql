-- The metrics service's projection: what it has seen (deduplication by event id), one row per
-- case with the columns the business metrics aggregate, and the pipeline clock per partition.

-- Every event counted once. Aggregates that are counters (lodgings, decisions, transfers,
-- side-inflow, dead letters) are GROUP BYs over this table, so a redelivered record changes
-- nothing: its id is already here.
CREATE TABLE events (
    event_id   text PRIMARY KEY,
    topic      text NOT NULL,
    type       text NOT NULL,
    case_id    text,
    on_date    date,
    label      text,
    amount_eur integer
);
CREATE INDEX events_type_on ON events (type, on_date);

CREATE TABLE cases (
    case_id              text PRIMARY KEY,
    cohort               text,
    kind                 text,
    track                integer,
    lodged_on            date,
    phase                text,
    deadline             date,
    decided_on           date,
    outcome              text,
    timeliness           text,
    dublin_stage         text,
    dublin_rank          integer NOT NULL DEFAULT 0,
    transfer_deadline    date,
    stat_first_day       date,
    stat_rates           integer[],
    stat_tier_days       integer,
    stat_cap_eur         integer,
    stat_capped_on       date,
    stat_final_eur       integer,
    court_first_day      date,
    court_rates          integer[],
    court_tier_days      integer,
    court_cap_eur        integer,
    court_capped_on      date,
    court_final_eur      integer
);
CREATE INDEX cases_open ON cases (cohort, deadline) WHERE decided_on IS NULL;

-- The latest tick per stage and partition: stage "deadline" (case.deadlines) is the pipeline
-- clock, the earliest over partitions (a lagging partition holds it back, as in the fold
-- services); stage "clock" (case.events) is read only for its mode, live or simulated, which
-- forwarded ticks no longer carry.
CREATE TABLE clock (
    stage     text NOT NULL,
    partition integer NOT NULL,
    at        timestamptz NOT NULL,
    mode      text NOT NULL,
    PRIMARY KEY (stage, partition)
);
