"""The Dublin service: the Dublin fold over ``case.events`` with durable timers, the side-inflow
back onto ``case.events``, the look-ahead API and its business metrics (README.md)."""
