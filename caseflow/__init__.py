"""caseflow: Dutch asylum cases and their statutory terms, tracked across the chain.

Layers that only look down (import-linter contracts in pyproject.toml): ``domain`` (the pure
legal rules) ← ``events`` (the contract) ← ``runtime`` and ``pipeline`` (the library) ← the
services (top-level ``services``) ← ``ops`` (the operator's tools, the only place services are
composed).
"""
