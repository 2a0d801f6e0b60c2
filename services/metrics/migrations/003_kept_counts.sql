-- What an erased case had counted (caseflow case erase): its events' contributions to the
-- durable counters, grouped as the counters group them, with neither the case id nor an event
-- id. The counters add these rows to the events they still hold, so an erasure removes the
-- case's data but never steps a counter down (docs/metrics.md, "Reading the business series").
CREATE TABLE kept_counts (
    topic      text NOT NULL,
    type       text NOT NULL,
    label      text,
    cohort     text,
    n          bigint NOT NULL,
    amount_eur bigint NOT NULL DEFAULT 0
);

-- The Dublin stage is the one the Dublin service publishes on dublin.events (one topic, read in
-- order): no rank is needed to reconcile two topics any more.
ALTER TABLE cases DROP COLUMN dublin_rank;
