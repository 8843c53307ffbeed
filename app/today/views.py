"""The coach's "Today": what is due — introductions planned today, to plan or to record,
escalated handovers, reminders, check-ins to do, doors to come back to, handovers still to
offer, cases waiting for the coach's next step, and the coming Buurtkamer activities of the
coach's buildings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from app.auth.access import require
from app.auth.permissions import Permission
from app.buurtkamer.models import Activity
from app.buurtkamer.scope import activities_query
from app.cases.checkins import planned_condition
from app.cases.models import Case, CheckIn
from app.cases.scope import cases_query
from app.db import db, utcnow
from app.handovers.models import Alert, AlertKind, Handover
from app.handovers.scope import handovers_query
from app.visits.queries import doors_to_come_back_to
from app.visits.scope import visits_query
from app.web.formkit import local_zone
from workflows.case import CHECKIN_CASE_STATE

bp = Blueprint("today_pages", __name__, template_folder="templates")

WAITING_CASE_STATES = ("contacted", "exploring", "question_formulated")
SECTION_LIMIT = 20
ACTIVITIES_AHEAD = timedelta(days=14)


def _handovers(*conditions: Any, order: Any = None) -> list[Handover]:
    query = handovers_query(current_user).where(*conditions)
    query = query.order_by(order if order is not None else Handover.created_at)
    return list(db.session.execute(query.limit(SECTION_LIMIT)).scalars())


@bp.route("/today")
@require(Permission.CASES_READ)
def today() -> Any:
    now = utcnow()
    start_of_today = datetime.combine(now.astimezone(local_zone()).date(), time(0, 0),
                                      tzinfo=local_zone())
    end_of_today = start_of_today + timedelta(days=1)
    mine = handovers_query(current_user).with_only_columns(Handover.id)
    reminders = list(db.session.execute(
        select(Alert).where(Alert.kind == AlertKind.INTRO_REMINDER, Alert.resolved_at.is_(None),
                            Alert.handover_id.in_(mine))
        .order_by(Alert.created_at).limit(SECTION_LIMIT)
    ).scalars())
    sections = {
        "planned_today": _handovers(Handover.state == "intro_scheduled",
                                    Handover.intro_at >= start_of_today,
                                    Handover.intro_at < end_of_today, order=Handover.intro_at),
        "to_record": _handovers(Handover.state == "intro_scheduled",
                                Handover.intro_at < start_of_today, order=Handover.intro_at),
        "to_schedule": _handovers(Handover.state == "accepted", order=Handover.accepted_at),
        "escalated": _handovers(Handover.state == "offered", Handover.escalated_at.is_not(None),
                                order=Handover.response_due_at),
        "to_offer": _handovers(Handover.state.in_(("draft", "awaiting_consent"))),
        "upcoming": _handovers(Handover.state == "intro_scheduled",
                               Handover.intro_at >= end_of_today, order=Handover.intro_at),
    }
    # Planned check-ins whose date has come by the end of today, while help runs.
    checkins = list(db.session.execute(
        select(CheckIn).join(Case, Case.id == CheckIn.case_id)
        .where(planned_condition(), CheckIn.due_at < end_of_today,
               Case.state == CHECKIN_CASE_STATE,
               Case.id.in_(cases_query(current_user).with_only_columns(Case.id)))
        .order_by(CheckIn.due_at).limit(SECTION_LIMIT)
    ).scalars())
    waiting = list(db.session.execute(
        cases_query(current_user).where(Case.state.in_(WAITING_CASE_STATES))
        .order_by(Case.opened_at).limit(SECTION_LIMIT)
    ).scalars())
    come_back = doors_to_come_back_to(visits_query(current_user), SECTION_LIMIT)
    activities = list(db.session.execute(
        activities_query(current_user)
        .where(Activity.cancelled_at.is_(None), Activity.starts_at >= now,
               Activity.starts_at < now + ACTIVITIES_AHEAD)
        .order_by(Activity.starts_at).limit(SECTION_LIMIT)
    ).scalars())
    return render_template("today/today.html", sections=sections, reminders=reminders,
                           checkins=checkins, waiting=waiting, come_back=come_back,
                           activities=activities, now=now)
