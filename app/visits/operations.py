from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from app.audit.operations import record_event
from app.buildings.models import Dwelling
from app.cases.operations import open_case, open_case_of
from app.db import db, utcnow
from app.errors import Refused
from app.insight import counts as insight_counts
from app.residents.models import Resident
from app.visits.models import LatestAnswer, Visit, VisitOutcome


class VisitInvalid(Refused):
    """A visit that cannot be recorded or taken back this way."""


def record_visit(coach: Any, dwelling: Dwelling, data: Mapping[str, Any], *,
                 visited_at: datetime | None = None) -> Visit:
    """One visit at the door, at `visited_at` when it was recorded earlier (on a phone
    without a signal), else now. Visits are events: a later recording of an earlier visit
    is added beside the others, and what the household answered last follows the time at
    the door, not the time of arrival."""
    resident = None
    if data.get("resident_id") is not None:
        resident = db.session.get(Resident, data["resident_id"])
        if (resident is None or resident.dwelling_id != dwelling.id
                or resident.anonymised_at is not None):
            raise VisitInvalid(message=_("This resident does not live at this dwelling."),
                               field="resident_id")
    outcome = VisitOutcome(data["outcome"])
    # Needs, offers, wishes and willingness are answers of a conversation: at a door where
    # nobody talked (a form that started from the last answers) they were not given.
    talked = outcome == VisitOutcome.TALKED
    visit = Visit(
        dwelling_id=dwelling.id,
        coach_id=coach.id,
        resident_id=resident.id if resident else None,
        outcome=outcome,
        themes=list(dict.fromkeys(data.get("themes") or [])) if talked else [],
        offers=list(dict.fromkeys(data.get("offers") or [])) if talked else [],
        wishes=list(dict.fromkeys(data.get("wishes") or [])) if talked else [],
        willingness=data.get("willingness") if talked else None,
        household_size=data.get("household_size"),
        notes=data.get("notes") or "",
    )
    if visited_at is not None:
        visit.visited_at = visited_at
    residents = [resident.id] if resident is not None and data.get("open_case") else []
    with insight_counts.kept(dwellings=[dwelling.id], residents=residents):
        _record(coach, dwelling, resident, visit, data)
    record_event("visit_recorded", actor=coach, object_type="visit", object_id=visit.id,
                 details={"outcome": str(visit.outcome)})
    return visit


def _record(coach: Any, dwelling: Dwelling, resident: Resident | None, visit: Visit,
            data: Mapping[str, Any]) -> None:
    # The door is locked first (`insight_counts.kept` does it, without blocking the visits
    # that refer to it), so of two recordings at one door at once, the later one's answers
    # stay.
    db.session.add(visit)
    db.session.flush()
    if visit.household_size is not None and not _later(visit, Visit.household_size.is_not(None)):
        # As told at the door; the latest telling is the dwelling's household size.
        dwelling.household_size = visit.household_size
    if visit.outcome == VisitOutcome.TALKED:
        _keep_latest_answers(dwelling, visit)
    if data.get("open_case"):
        if resident is None or visit.outcome != VisitOutcome.TALKED:
            raise VisitInvalid(
                message=_("A case opens from a conversation with a known resident."),
                field="open_case")
        # A conversation with a resident whose case is open belongs to that case.
        visit.case_id = (open_case_of(resident) or open_case(coach, resident)).id


# A "nobody home" tapped at the wrong door is taken back by the coach who tapped it, soon
# after: long enough to notice on the next screen, short enough that the round's count holds.
TAKE_BACK_WINDOW = timedelta(minutes=10)


def can_take_back(coach: Any, visit: Visit, now: datetime | None = None) -> bool:
    """Whether `coach` may still take `visit` back: their own "nobody home", recorded within
    TAKE_BACK_WINDOW."""
    return (visit.coach_id == coach.id and visit.outcome == VisitOutcome.NOT_HOME
            and (now or utcnow()) - visit.visited_at <= TAKE_BACK_WINDOW)


def take_back_visit(coach: Any, visit: Visit, now: datetime | None = None) -> None:
    """Take a "nobody home" back, as if it was never tapped; the audit log keeps both the
    recording and its taking back. A "nobody home" changes no answers and opens nothing;
    the neighbourhood's counts of door knocks are kept with it."""
    if not can_take_back(coach, visit, now):
        raise VisitInvalid(message=_("This visit can no longer be taken back: only your own "
                                     "“nobody home”, within %(minutes)d minutes.",
                                     minutes=TAKE_BACK_WINDOW.seconds // 60), field="visit")
    record_event("visit_taken_back", actor=coach, object_type="visit", object_id=visit.id,
                 details={"outcome": str(visit.outcome), "dwelling_id": visit.dwelling_id})
    with insight_counts.kept(dwellings=[visit.dwelling_id], residents=[]):
        db.session.delete(visit)
        db.session.flush()


def _later(visit: Visit, *condition: Any) -> bool:
    """Whether the dwelling has a visit meeting `condition` later than `visit` (by time at
    the door, then id)."""
    return bool(db.session.execute(select(exists().where(
        Visit.dwelling_id == visit.dwelling_id, *condition,
        or_(Visit.visited_at > visit.visited_at,
            and_(Visit.visited_at == visit.visited_at, Visit.id > visit.id))))).scalar())


# --------------------------------------------------------------------------- latest answers


def answers_of(themes: Iterable[str], offers: Iterable[str], wishes: Iterable[str],
               willingness: int | None) -> list[tuple[str, str]]:
    """(question, answer) for what one conversation named; each answer once."""
    found = {(question, answer) for question, answers in (
        ("themes", themes), ("offers", offers), ("wishes", wishes)) for answer in answers}
    if willingness is not None:
        found.add(("willingness", str(willingness)))
    return sorted(found)


def _keep_latest_answers(dwelling: Dwelling, visit: Visit) -> None:
    """The conversation's answers become the household's latest, unless a later one at the
    dwelling is recorded already (the door is locked by the caller)."""
    if _later(visit, Visit.outcome == VisitOutcome.TALKED):
        return
    db.session.execute(delete(LatestAnswer).where(LatestAnswer.dwelling_id == dwelling.id))
    answers = answers_of(visit.themes, visit.offers, visit.wishes, visit.willingness)
    if answers:
        db.session.execute(insert(LatestAnswer), [
            {"dwelling_id": dwelling.id, "building_id": dwelling.building_id,
             "question": question, "answer": answer} for question, answer in answers])


def refresh_latest_answers(dwelling_ids: Collection[int] | None = None) -> None:
    """Work each household's latest answers out from its visits again (every dwelling, or
    those given): for data written without `record_visit`, such as generated
    neighbourhoods. One statement; the database unpacks the lists. The insight counts of
    such data are worked out afterwards as a whole (`app.insight.counts.recount`)."""
    later = aliased(Visit)
    latest = (select(Visit.dwelling_id, Dwelling.building_id, Visit.themes, Visit.offers,
                     Visit.wishes, Visit.willingness)
              .join(Dwelling, Dwelling.id == Visit.dwelling_id)
              .where(Visit.outcome == VisitOutcome.TALKED, ~exists().where(
                  later.dwelling_id == Visit.dwelling_id, later.outcome == VisitOutcome.TALKED,
                  or_(later.visited_at > Visit.visited_at,
                      and_(later.visited_at == Visit.visited_at, later.id > Visit.id)))))
    if dwelling_ids is not None:
        latest = latest.where(Visit.dwelling_id.in_(sorted(dwelling_ids)))
    chosen = latest.cte("latest")
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    parts: list[Any] = []
    for question in ("themes", "offers", "wishes"):
        elements = (func.json_array_elements_text if postgresql else func.json_each)(
            chosen.c[question]).table_valued("value", joins_implicitly=True).alias(question)
        parts.append(select(chosen.c.dwelling_id, chosen.c.building_id,
                            literal(question, String), elements.c.value)
                     .select_from(chosen).join(elements, true())
                     .where(elements.c.value.is_not(None)))
    parts.append(select(chosen.c.dwelling_id, chosen.c.building_id,
                        literal("willingness", String), cast(chosen.c.willingness, String))
                 .where(chosen.c.willingness.is_not(None)))
    gone = delete(LatestAnswer)
    if dwelling_ids is not None:
        gone = gone.where(LatestAnswer.dwelling_id.in_(sorted(dwelling_ids)))
    db.session.execute(gone)
    answers = parts[0].union(*parts[1:]).subquery("answers")
    db.session.execute(insert(LatestAnswer).from_select(
        ["dwelling_id", "building_id", "question", "answer"], select(answers)))
