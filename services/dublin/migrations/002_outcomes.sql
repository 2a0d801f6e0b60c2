-- Outcomes for the metrics: the side-inflow as emitted, the transfer, and failed transfers
-- (one entry per failure, its reason where the legal core records it).
ALTER TABLE cases
    ADD COLUMN side_inflow_on      date,
    ADD COLUMN side_inflow_reason  text,
    ADD COLUMN transferred_on      date,
    ADD COLUMN failure_reasons     text[] NOT NULL DEFAULT '{}';
CREATE INDEX cases_stage ON cases (stage) WHERE stage IS NOT NULL;
