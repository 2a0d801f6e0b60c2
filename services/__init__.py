"""The four services: intake, deadline, Dublin and metrics. Each is a spec the service host runs
(app.py), its own logic over the domain, its SQL over its own schema (store.py) and its
migrations.

A service may import the library (``caseflow.domain``, ``events``, ``pipeline``, ``runtime``);
never another service, a scenario or ``caseflow.ops``.
"""
