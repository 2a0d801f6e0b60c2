"""The deadline service: the term fold over ``case.events`` with durable timers, the operator API
(cases, worklist, figures) and its business metrics (README.md)."""
