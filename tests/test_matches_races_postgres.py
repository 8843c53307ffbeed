"""Connections proposed at the same moment on a real PostgreSQL: the residents' rows are
locked while the proposal checks for an open one, so the same connection opens once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import or_, select

from app.consent.models import Consent
from app.db import db
from app.matches.models import Match
from app.residents.models import Resident
from tests import factories
from tests.test_races_postgres import THREADS, Coach, Neighbourhood, login, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.real_commits]


@pytest.fixture
def two_neighbours(app) -> Iterator[tuple[Neighbourhood, list[str]]]:
    with app.app_context():
        made = Neighbourhood()
        # Cases and chains only: the organisation shares with no one, so joins no convenant.
        organization = made.add(factories.create_organization(kind="welzijn", party=False))
        hood = made.add(factories.create_neighbourhood())
        coach = made.add(factories.create_user("flatcoach", organization))
        made.coaches = [Coach(coach.id, coach.email)]
        building = made.add(factories.create_building(coach, neighbourhood=hood))
        dwelling = made.add(factories.create_dwelling(building))
        residents = [made.add(factories.create_resident(dwelling, display_name=name))
                     for name in ("Fatima El Amrani", "Henk de Boer")]
        db.session.commit()
        ids = [str(resident.id) for resident in residents]
        try:
            yield made, ids
        finally:
            _forget_matches_and_consents(made, [r.id for r in residents])
            made.remove()


def _forget_matches_and_consents(made: Neighbourhood, resident_ids: list) -> None:
    """Matches and their consents go before the residents they name."""
    db.session.rollback()
    matches = db.session.execute(select(Match).where(
        Match.offering_resident_id.in_(resident_ids))).scalars().all()
    consents = db.session.execute(select(Consent).where(or_(
        Consent.resident_id.in_(resident_ids),
        Consent.recipient_resident_id.in_(resident_ids)))).scalars().all()
    for match in matches:
        db.session.delete(match)
    db.session.flush()
    for consent in consents:
        db.session.delete(consent)
    db.session.commit()


def test_the_same_connection_proposed_at_the_same_moment_opens_once(app, http_app,
                                                                   two_neighbours):
    made, (offering_id, seeking_id) = two_neighbours
    clients = [login(http_app, made.coaches[0]) for _ in range(THREADS)]

    def propose(i: int, barrier: threading.Barrier) -> int:
        barrier.wait(timeout=30)
        return clients[i].post("/api/v1/matches", json={
            "offering_resident_id": offering_id, "seeking_resident_id": seeking_id,
            "offer": "cooking"}).status_code

    results = run_together(propose)

    assert Counter(results) == {201: 1, 422: THREADS - 1}, results
    with app.app_context():
        residents = [db.session.get(Resident, uuid.UUID(offering_id)),
                     db.session.get(Resident, uuid.UUID(seeking_id))]
        ids = [resident.id for resident in residents]
        matches = db.session.execute(select(Match).where(
            Match.offering_resident_id == ids[0])).scalars().all()
        consents = db.session.execute(select(Consent).where(
            Consent.resident_id.in_(ids))).scalars().all()
    assert len(matches) == 1
    assert len(consents) == 2  # the refused proposals left nothing behind
