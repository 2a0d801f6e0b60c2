"""The metrics service: an idempotent projection of every topic and the business figures
computed from it when Prometheus scrapes (README.md)."""
