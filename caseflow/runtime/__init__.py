"""The plumbing every service shares: settings and the domain's policy from them, the clock and
pipeline ticks, Kafka (batch consumer, publisher) and PostgreSQL (pool, migrations, snapshots),
logging, the operator APIs' credential, the one service host (host), its scrape-time
collector (scrape) and the foreground worker (worker).

May import the domain and the events; never the pipeline, a service or ``caseflow.ops``.
"""
