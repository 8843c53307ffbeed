"""The periods a viewer of neighbourhood insight can choose: everything, a calendar year or a
calendar quarter (this year's and last year's). Whole calendar periods only — never a date
range of one's own — so that no choice of two periods singles out a day or a week.

A period limits what happened in it: doors knocked, cases opened, handovers offered. What
residents said in their latest conversation and who lives where are counted as they are now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app.web.formkit import local_zone


@dataclass(frozen=True)
class Period:
    key: str  # "2026" or "2026-Q3"
    label: str
    since: datetime
    until: datetime


def _start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=local_zone())


def _year(year: int) -> Period:
    return Period(str(year), _("The year %(year)s", year=year), _start(year, 1),
                  _start(year + 1, 1))


def _quarter(year: int, quarter: int) -> Period:
    month = 3 * (quarter - 1) + 1
    until = _start(year, month + 3) if quarter < 4 else _start(year + 1, 1)
    return Period(f"{year}-Q{quarter}",
                  _("Quarter %(quarter)s of %(year)s", quarter=quarter, year=year),
                  _start(year, month), until)


def periods(now: datetime) -> list[Period]:
    """This year and last year, each followed by its quarters that have begun, newest first."""
    today = now.astimezone(local_zone())
    current = (today.month - 1) // 3 + 1
    found = []
    for year, last_quarter in ((today.year, current), (today.year - 1, 4)):
        found.append(_year(year))
        found.extend(_quarter(year, q) for q in range(last_quarter, 0, -1))
    return found


def period_of(key: Any, now: datetime) -> Period | None:
    """The period `key` names among the ones offered; None for everything or anything else."""
    return next((p for p in periods(now) if p.key == key), None) if key else None
