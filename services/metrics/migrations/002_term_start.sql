-- The day a case's term started (term.started), or that it runs from the lodging (a term.changed
-- that gave a deadline to a case that had none): with lodged_on and decided_on, the inputs of
-- the Taskforce predicate (caseflow.domain.taskforce.assigned_to_taskforce).
ALTER TABLE cases
    ADD COLUMN term_start date,
    ADD COLUMN term_from_lodging boolean NOT NULL DEFAULT false;
