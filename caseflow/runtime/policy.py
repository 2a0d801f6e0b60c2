"""The domain's Policy built from settings: the conventions an operator may change."""

from __future__ import annotations

from caseflow.domain.rules import Policy
from caseflow.runtime.settings import Settings


def policy_from(settings: Settings) -> Policy:
    return Policy(
        warning_thresholds=tuple(sorted(set(settings.warning_thresholds), reverse=True)),
        taskforce_cutoff=settings.cohort_cutoff,
        invalid_instruments=frozenset(settings.invalid_instruments),
    )
