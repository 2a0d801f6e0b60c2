-- One row per case: the fold's state snapshot, facts waiting for the clock, and the next day
-- the case needs attention (a timer falls due, or a pending fact's date arrives).
CREATE TABLE cases (
    case_id          text PRIMARY KEY,
    kafka_partition  integer NOT NULL,
    state            jsonb,
    pending          jsonb NOT NULL DEFAULT '[]',
    wake_on          date,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_wake ON cases (kafka_partition, wake_on) WHERE wake_on IS NOT NULL;

-- The pipeline clock per partition: the latest tick processed.
CREATE TABLE clock (
    kafka_partition  integer PRIMARY KEY,
    at               timestamptz NOT NULL
);

-- Facts that were schema-valid but legally impossible; the state was left unchanged.
CREATE TABLE rejections (
    event_id     text PRIMARY KEY,
    case_id      text NOT NULL,
    event_type   text NOT NULL,
    reason       text NOT NULL,
    detail       text NOT NULL,
    on_date      date NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- The case's timeline: every fact applied and every event emitted, once each.
CREATE TABLE history (
    event_id     text PRIMARY KEY,
    case_id      text NOT NULL,
    event_type   text NOT NULL,
    on_date      date NOT NULL,
    origin       text NOT NULL CHECK (origin IN ('fact', 'derived')),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX history_case ON history (case_id, on_date);

-- Projection for the worklist and the metrics: what the case object would say, queryable.
ALTER TABLE cases
    ADD COLUMN cohort     text,
    ADD COLUMN track      smallint,
    ADD COLUMN status     text,
    ADD COLUMN lodged_on  date,
    ADD COLUMN deadline   date,
    ADD COLUMN decided_on date;
CREATE INDEX cases_open_deadline ON cases (deadline) WHERE status = 'open';
