"""The side-inflow (zij-instroom) of Dublin cases into the national procedure: the day it
happens when a transfer deadline passes, and how many cases entered in a period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from caseflow.domain.calendar import days_after
from caseflow.domain.dublin import DublinState


def side_inflow_day(transfer_deadline: date) -> date:
    """No transfer by the transfer deadline: the Netherlands is responsible from the next day
    (D3 art. 29(2)), and the case enters the national procedure then."""
    return days_after(transfer_deadline, 1)


def entered_between(dublins: Iterable[DublinState], first: date, last: date) -> int:
    """Cases that entered the national procedure from ``first`` to ``last``, both included."""
    return sum(1 for d in dublins if d.entered is not None and first <= d.entered[0] <= last)
