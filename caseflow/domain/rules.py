"""Rules that change over time, as data with validity periods, and the named conventions (Policy).

Nothing here branches on a year: a rule applies because a date falls in its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from caseflow.domain.facts import InstrumentInvalidated

# Statutory term lengths in months; unchanged since the PD 2013/32/EU implementation (2015).
BASE_TERM_MONTHS = 6
"""Vw 2000 art. 42(1); PD art. 31(3): decide within 6 months of lodging."""
EXTENSION_42_4_MAX_MONTHS = 9
"""Vw 2000 art. 42(4): extension by at most 9 months."""
EXTENSION_42_5_MAX_MONTHS = 3
"""Vw 2000 art. 42(5): a further 3 months, only after the 9-month extension."""
MORATORIUM_MAX_TERM_MONTHS = 21
"""Vw 2000 art. 43: under a decision moratorium the term runs up to 21 months."""
ABSOLUTE_MAX_MONTHS = 21
"""PD art. 31(5): conclude within 21 months of the original lodging, whatever happened before."""

REQUEST_MONTHS = 3
"""D3 art. 21(1) / 23(2): a request within 3 months of lodging (no Eurodac hit)."""
REQUEST_MONTHS_EURODAC = 2
"""D3 art. 21(1) / 23(2): a request within 2 months of a Eurodac hit."""
TAKE_CHARGE_REPLY_MONTHS = 2
"""D3 art. 22(1): reply to a take-charge request within 2 months."""
URGENT_REPLY_MIN_DAYS = 7
"""D3 art. 22(6): an urgent reply period is at least one week ..."""
URGENT_REPLY_MAX_MONTHS = 1
"""D3 art. 22(6): ... and at most one month."""
TAKE_BACK_REPLY_MONTHS = 1
"""D3 art. 25(1): reply to a take-back request within 1 month."""
TAKE_BACK_REPLY_DAYS_EURODAC = 14
"""D3 art. 25(1): reply within 2 weeks when the request is based on a Eurodac hit."""
TRANSFER_MONTHS = 6
"""D3 art. 29(1): transfer within 6 months of acceptance or of the final appeal decision."""
TRANSFER_MONTHS_IMPRISONED = 12
"""D3 art. 29(2): up to 12 months when the person is imprisoned."""
TRANSFER_MONTHS_ABSCONDED = 18
"""D3 art. 29(2): up to 18 months when the person absconds."""

NOTICE_TO_PENALTY_DAYS = 15
"""Awb 4:17(3): penalty from the day after two weeks have passed since receipt of the notice."""
PENALTY_FIXING_DAYS = 14
"""Awb 4:18: the amount is fixed within two weeks after the last penalty day."""


@dataclass(frozen=True, slots=True)
class Period:
    """A validity period, both ends inclusive; `last=None` means open-ended."""

    first: date
    last: date | None = None

    def contains(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)


@dataclass(frozen=True, slots=True)
class PenaltyRateSet:
    """Statutory penalty rates per tier (Awb 4:17(2)) for the period in which they are in force."""

    valid: Period
    tier_rates_eur: tuple[int, ...]
    tier_days: int
    cap_eur: int
    source: str


PENALTY_RATE_SETS: tuple[PenaltyRateSet, ...] = (
    PenaltyRateSet(
        valid=Period(date(2009, 10, 1), date(2018, 12, 31)),
        tier_rates_eur=(20, 30, 40),
        tier_days=14,
        cap_eur=1260,
        source="Awb 4:17(2) (Wet dwangsom en beroep bij niet tijdig beslissen, Stb. 2009, 383)",
    ),
    PenaltyRateSet(
        valid=Period(date(2019, 1, 1), date(2025, 12, 31)),
        tier_rates_eur=(23, 35, 45),
        tier_days=14,
        cap_eur=1442,
        source="Awb 4:17(2) as indexed from 1 Jan 2019",
    ),
)


@dataclass(frozen=True, slots=True)
class PenaltySuspensionLaw:
    """A law that switches the statutory penalty off for notices received while it is in force."""

    name: str
    in_force: Period
    source: str

    def excludes(self, notice_received_on: date) -> bool:
        """Stb. 2020, 242: no statutory penalty unless the notice came before entry into force."""
        return self.in_force.contains(notice_received_on)


TEMPORARY_PENALTY_LAWS: tuple[PenaltySuspensionLaw, ...] = (
    PenaltySuspensionLaw(
        name="Tijdelijke wet opschorting dwangsommen IND",
        in_force=Period(date(2020, 7, 10)),
        source="Stb. 2020, 242",
    ),
)

RateSetBasis = Literal["first_penalty_day", "notice_received"]
NoticeValidity = Literal["sent_and_received", "received"]


def rate_set_on(day: date, rate_sets: tuple[PenaltyRateSet, ...]) -> PenaltyRateSet | None:
    """The statutory rate set in force on `day` (Awb 4:17(2)), or None outside every period."""
    return next((rates for rates in rate_sets if rates.valid.contains(day)), None)


@dataclass(frozen=True, slots=True)
class Policy:
    """Named conventions where the law leaves a choice open, plus the dated rule sets in use.

    Every field is documented in docs/legal.md; change a convention here, never in code.
    """

    warning_thresholds: tuple[int, ...] = (56, 28, 14, 7, 1)
    """Days before the deadline on which deadline.warning fires."""
    taskforce_cutoff: date = date(2020, 4, 1)
    """Applications lodged before this date belong to the Taskforce cohort (2020 letter)."""
    invalid_instruments: frozenset[str] = frozenset()
    """Instruments held unlawful before caseflow saw any case use them: never valid, undated.
    A ruling given while cases run is marked with an `InstrumentInvalidated` (`invalidations`)."""
    invalidations: tuple[InstrumentInvalidated, ...] = ()
    """Instruments marked unlawful, each from the day of its ruling: every case that used one
    is recomputed on that day, and an extension filed from then on under it is void."""
    penalty_excluded_outcomes: frozenset[str] = frozenset(
        {"manifestly_unfounded", "manifestly_inadmissible"}
    )
    """Outcomes for which no statutory penalty is due: only a *manifestly* unfounded or
    inadmissible application (Awb 4:17(6)(c)); a plain `inadmissible` decision is not excluded."""
    notice_validity: NoticeValidity = "sent_and_received"
    """A notice of default counts only if it was sent and received after the term expired
    (ABRvS 9 Feb 2011, Circulaire Wet dwangsom); `received`: receipt alone decides (Awb 4:17(3)
    read literally)."""
    rate_set_basis: RateSetBasis = "first_penalty_day"
    """Which date picks the statutory rate set for a whole penalty."""
    penalty_rate_sets: tuple[PenaltyRateSet, ...] = PENALTY_RATE_SETS
    penalty_suspension_laws: tuple[PenaltySuspensionLaw, ...] = TEMPORARY_PENALTY_LAWS
    eurodac_fallback: Literal["registration", "lodging"] = "registration"
    """Without `eurodac_hit_on`, a Eurodac hit is dated on registration when known, else lodging."""
