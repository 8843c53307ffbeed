"""Every transition is one version step — also one that changes nothing else in the row, such
as moving an introduction to the very date and place it already has. Without the step such a
transition would skip the optimistic-locking check as well: a reschedule that read the
handover before someone recorded the introduction would be logged after it, from a state the
handover had already left."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from app.audit.models import AuditEvent
from app.db import db
from app.handovers.models import Handover
from app.handovers.operations import fire_handover
from tests import factories


@pytest.fixture
def scheduled(world):
    case = factories.create_case(world.resident, world.coach, "question_formulated")
    handover = factories.create_handover(case, world.coach, world.buurtteam,
                                         state="intro_scheduled", professional=world.professional)
    db.session.flush()
    return handover


def same_introduction(handover):
    return {"intro_at": handover.intro_at, "place": handover.intro_place}


def test_rescheduling_to_the_same_date_and_place_is_still_a_version_step(world, scheduled):
    before = scheduled.version
    fire_handover(scheduled, "reschedule_intro", world.coach, same_introduction(scheduled))
    db.session.flush()

    assert scheduled.version == before + 1
    logged = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_id == str(scheduled.id), AuditEvent.event_type == "transition")).all()
    assert [e.trigger for e in logged][-1] == "reschedule_intro"


def test_such_a_transition_is_refused_when_someone_changed_the_handover_meanwhile(
        world, scheduled):
    # Another request moved the handover on after this one loaded it.
    db.session.execute(update(Handover).where(Handover.id == scheduled.id)
                       .values(version=Handover.version + 1)
                       .execution_options(synchronize_session=False))

    with pytest.raises(StaleDataError):
        fire_handover(scheduled, "reschedule_intro", world.coach, same_introduction(scheduled))
        db.session.flush()
