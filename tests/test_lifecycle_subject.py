"""State lives in one column and changes only through a transition."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.cases.operations import fire_case, open_case
from app.db import db
from app.lifecycle.subject import StateWriteError


def test_assigning_state_directly_raises(ctx, world):
    case = open_case(world.coach, world.resident)
    with pytest.raises(StateWriteError):
        case.state = "closed"
    assert case.state == "contacted"


def test_new_objects_start_in_the_initial_state(ctx, world):
    assert open_case(world.coach, world.resident).state == "contacted"


def test_state_is_stored_by_value_and_queryable(ctx, world):
    case = open_case(world.coach, world.resident)
    fire_case(case, "start_exploring", world.coach, {})
    db.session.flush()
    stored = db.session.execute(
        select(Case.state).where(Case.id == case.id)
    ).scalar_one()
    assert stored == "exploring"


def test_each_transition_bumps_the_version_and_appends_one_event(ctx, world):
    case = open_case(world.coach, world.resident)
    db.session.flush()
    before_version = case.version
    fire_case(case, "start_exploring", world.coach, {})
    db.session.flush()
    assert case.version == before_version + 1
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.event_type == "transition",
                                 AuditEvent.object_id == str(case.id))
    ).scalars().all()
    assert len(events) == 1
    event = events[-1]
    assert (event.trigger, event.from_state, event.to_state) == ("start_exploring", "contacted",
                                                                 "exploring")
    assert event.actor_id == world.coach.id
    assert event.actor_role == "flatcoach"
