"""caseflow's pure legal core: terms, penalties and Dublin limits as folds over dated facts.

Standard library and python-dateutil only; no clock, no I/O, no randomness.
"""

from caseflow.domain.derived import CASEFLOW_NAMESPACE, DERIVED_TYPES, Derived, derived_id
from caseflow.domain.dublin import (
    DublinState,
    apply_dublin,
    evaluate_dublin,
    next_dublin_due,
)
from caseflow.domain.facts import FACT_TYPES, Fact
from caseflow.domain.outcome import Applied, Rejection
from caseflow.domain.penalty import PenaltyFigures
from caseflow.domain.rules import Policy
from caseflow.domain.term import (
    TermState,
    apply_term,
    court_penalty,
    deadline_of,
    evaluate_term,
    next_term_due,
    on_policy_changed,
    statutory_penalty,
)
from caseflow.domain.view import case_view, worklist_entry

__all__ = [
    "CASEFLOW_NAMESPACE",
    "DERIVED_TYPES",
    "FACT_TYPES",
    "Applied",
    "Derived",
    "DublinState",
    "Fact",
    "PenaltyFigures",
    "Policy",
    "Rejection",
    "TermState",
    "apply_dublin",
    "apply_term",
    "case_view",
    "court_penalty",
    "deadline_of",
    "derived_id",
    "evaluate_dublin",
    "evaluate_term",
    "next_dublin_due",
    "next_term_due",
    "on_policy_changed",
    "statutory_penalty",
    "worklist_entry",
]
