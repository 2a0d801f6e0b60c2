"""Where the event contract meets the domain, for the fold services (deadline, Dublin) and the
replay alike: translation both ways (translate), one case's timeline (timeline), the fold's
PostgreSQL tables (store), its live runner on ``case.events`` (live), and a fold service as the
service host runs it (spec).

May import the domain, the events and the runtime; never a service or ``caseflow.ops``.
"""
