-- The first day any penalty (statutory or court) runs for the case, so the penalty metric
-- folds only the states of cases with a penalty instead of every case.
ALTER TABLE cases ADD COLUMN penalty_from date;
CREATE INDEX cases_penalty_from ON cases (penalty_from) WHERE penalty_from IS NOT NULL;
