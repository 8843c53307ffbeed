from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.buildings.models import Building, Dwelling
from app.db import db
from app.demo.operations import DatabaseNotEmpty, fill_demo
from app.residents.models import Resident

DEMO_USERS = {
    "coach@buurtpad.test": "flatcoach",
    "coach2@buurtpad.test": "flatcoach",
    "buurtteam@buurtpad.test": "professional",
    "schuldhulp@buurtpad.test": "professional",
    "privacy@buurtpad.test": "privacy_officer",
    "coordinator@buurtpad.test": "coordinator",
}


def test_demo_fills_the_neighbourhood_and_every_account_logs_in(app, client):
    with app.app_context():
        counts = fill_demo("demo-password-1")
        db.session.commit()
        assert counts["buildings"] == 4
        names = set(db.session.execute(select(Building.name)).scalars())
        assert names == {"Tigrisdreef", "Zambesidreef", "Ankaradreef", "Haifadreef"}
        for building in db.session.execute(select(Building)).scalars():
            dwellings = db.session.execute(
                select(func.count(Dwelling.id)).where(Dwelling.building_id == building.id)
            ).scalar_one()
            assert 80 <= dwellings <= 120
        assert db.session.execute(select(func.count(Resident.id))).scalar_one() > 100
    for email, role in DEMO_USERS.items():
        token = client.post("/api/v1/auth/token",
                            json={"email": email, "password": "demo-password-1"})
        assert token.status_code == 201, email
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['token']}"})
        assert me.json["role"] == role


def test_demo_coach_buildings_match_the_contract(app, client):
    with app.app_context():
        fill_demo("demo-password-1")
        db.session.commit()
    token = client.post("/api/v1/auth/token",
                        json={"email": "coach@buurtpad.test", "password": "demo-password-1"})
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    names = [b["name"] for b in client.get("/api/v1/buildings", headers=headers).json]
    assert names == ["Tigrisdreef", "Zambesidreef"]


def test_demo_is_deterministic(app):
    with app.app_context():
        fill_demo("demo-password-1", seed=7)
        first = [r.display_name for r in db.session.execute(
            select(Resident).order_by(Resident.dwelling_id, Resident.display_name)).scalars()]
        db.session.rollback()
        fill_demo("demo-password-1", seed=7)
        second = [r.display_name for r in db.session.execute(
            select(Resident).order_by(Resident.dwelling_id, Resident.display_name)).scalars()]
        db.session.rollback()
    assert first == second


def test_demo_refuses_a_non_empty_database(app, world):
    import pytest

    with pytest.raises(DatabaseNotEmpty):
        fill_demo("demo-password-1")
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 6
