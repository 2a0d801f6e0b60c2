"""caseflow's pure legal core: terms, penalties and Dublin limits as folds over dated facts.

Standard library and python-dateutil only; no clock, no I/O, no randomness.
"""

from caseflow.domain.derived import CASEFLOW_NAMESPACE, DERIVED_TYPES, Derived, derived_id
from caseflow.domain.dublin import (
    ACCEPTED_STAGES,
    OPEN_STAGES,
    DublinState,
    apply_dublin,
    dublin_stage,
    dublin_timers,
    evaluate_dublin,
    fire_dublin,
    next_dublin_due,
)
from caseflow.domain.facts import FACT_TYPES, PREFIX, Fact, InstrumentInvalidated
from caseflow.domain.fold import Fired, Timer
from caseflow.domain.outcome import Applied, Rejection
from caseflow.domain.penalty import PenaltyFigures
from caseflow.domain.rules import Policy
from caseflow.domain.term import (
    Impact,
    TermState,
    apply_term,
    court_penalty,
    deadline_of,
    evaluate_term,
    fire_term,
    impact,
    invalidate,
    next_term_due,
    on_policy_changed,
    statutory_penalty,
    term_timers,
)
from caseflow.domain.view import case_view, worklist_entry

__all__ = [
    "ACCEPTED_STAGES",
    "CASEFLOW_NAMESPACE",
    "DERIVED_TYPES",
    "FACT_TYPES",
    "OPEN_STAGES",
    "PREFIX",
    "Applied",
    "Derived",
    "DublinState",
    "Fact",
    "Fired",
    "Impact",
    "InstrumentInvalidated",
    "PenaltyFigures",
    "Policy",
    "Rejection",
    "TermState",
    "Timer",
    "apply_dublin",
    "apply_term",
    "case_view",
    "court_penalty",
    "deadline_of",
    "derived_id",
    "dublin_stage",
    "dublin_timers",
    "evaluate_dublin",
    "evaluate_term",
    "fire_dublin",
    "fire_term",
    "impact",
    "invalidate",
    "next_dublin_due",
    "next_term_due",
    "on_policy_changed",
    "statutory_penalty",
    "term_timers",
    "worklist_entry",
]
