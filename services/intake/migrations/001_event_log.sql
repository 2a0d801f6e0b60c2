-- The append-only log of every accepted partner event; the event id is the idempotency key.
CREATE TABLE event_log (
    event_id     text PRIMARY KEY,
    case_id      text NOT NULL,
    event_type   text NOT NULL,
    partner      text NOT NULL,
    event_time   timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    payload      jsonb NOT NULL
);
CREATE INDEX event_log_case ON event_log (case_id, event_time);

-- What intake knows of each case, enough to judge the next event.
CREATE TABLE case_register (
    case_id        text PRIMARY KEY,
    lodged_on      date,
    cohort         text,
    track          smallint,
    last_event_id  text NOT NULL,
    last_event_at  timestamptz NOT NULL
);
