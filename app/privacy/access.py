"""The resident's access report (inzage, GDPR Art. 15) as a page the privacy officer prints
and hands over: the same export as the JSON file (`operations.export`, logged the same way),
told in plain words — the data per category, the path, the consents with their purpose,
recipient and end, the handovers, and who saw or received the data, when and on what basis.

The access log groups the processing log per day, organisation and purpose. People working
with the data are named by their role and organisation, never by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.models import ProcessingLogEntry
from app.db import db
from app.organizations.models import Organization
from app.privacy.operations import export
from app.residents.models import Resident
from app.web.formkit import local_zone
from policies import DataCategory, in_order

# Every part of the JSON export and the section of the page that shows it (the page's
# element ids). A part added to the export without a section here fails the tests.
EXPORT_SECTIONS: dict[str, str] = {
    "resident": "categories",
    "visits": "visits",
    "cases": "path",
    "consents": "consents",
    "matches": "connections",
    "activities_organised": "activities",
    "processing_log": "access-log",
}
# What the export says about itself rather than about the resident.
EXPORT_META = ("generated_at", "legal_basis")

CASE_NOTES: dict[str, DataCategory] = {
    "household_notes": DataCategory.HOUSEHOLD,
    "living_situation_notes": DataCategory.LIVING_SITUATION,
    "finances_notes": DataCategory.FINANCES,
    "health_notes": DataCategory.HEALTH,
    "safety_notes": DataCategory.SAFETY,
    "coach_notes": DataCategory.NOTES,
}

# Each category in words a resident reads without help.
CATEGORY_EXPLAINED: dict[str, Any] = {
    "identity": _l("Who you are: the name you want to be called by, your year of birth and "
                   "the languages you speak."),
    "contact": _l("How to reach you: your phone number and address."),
    "household": _l("Who you live with."),
    "living_situation": _l("How you live, what you talked about at the door, what you can "
                           "offer others and what you would like."),
    "help_question": _l("Your help question, in your own words."),
    "finances": _l("Money: income, debts and worries about money."),
    "health": _l("Your health. This is extra protected: it is only shared when you have "
                 "said so explicitly."),
    "safety": _l("Your safety, and that of others around you."),
    "notes": _l("The working notes of the flatcoach and the notes with a visit, a check-in "
                "or a handover."),
}


def moment(value: str | None) -> datetime | None:
    """An ISO moment of the export as an aware datetime (the pages format it)."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@dataclass
class Item:
    """One fact of a category: what it is (a field's label key or a text), and its value."""

    name: str  # a key of LABELS["field"] or a case/visit fact named in the template
    value: Any
    when: datetime | None = None  # the visit or case it comes from, when there are several


@dataclass
class AccessGroup:
    """Who processed the resident's data on one day, of one organisation, for one purpose."""

    day: date
    organization: str | None
    purpose: str
    decision: str
    actions: dict[str, int] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    legal_bases: list[str] = field(default_factory=list)
    under_consent: bool = False
    under_safety_disclosure: bool = False
    first: datetime | None = None
    last: datetime | None = None

    @property
    def count(self) -> int:
        return sum(self.actions.values())


def _append_new(items: list[str], value: str | None) -> None:
    if value and value not in items:
        items.append(value)


def access_log(entries: Iterable[ProcessingLogEntry],
               organizations: dict[int, str]) -> list[AccessGroup]:
    """The processing log of one resident, newest day first, one group per day (local time),
    organisation of whoever processed, purpose and decision."""
    groups: dict[tuple[date, int | None, str, str], AccessGroup] = {}
    zone = local_zone()
    for entry in entries:
        at = entry.occurred_at if entry.occurred_at.tzinfo else entry.occurred_at.replace(
            tzinfo=UTC)
        day = at.astimezone(zone).date()
        key = (day, entry.actor_organization_id, entry.processing_activity, entry.decision)
        group = groups.get(key)
        if group is None:
            group = groups[key] = AccessGroup(
                day=day, organization=organizations.get(entry.actor_organization_id)
                if entry.actor_organization_id is not None else None,
                purpose=entry.processing_activity, decision=entry.decision)
        group.actions[entry.action] = group.actions.get(entry.action, 0) + 1
        _append_new(group.roles, entry.actor_role or "system")
        if entry.recipient_organization_id is not None:
            _append_new(group.recipients, organizations.get(entry.recipient_organization_id))
        group.categories.update(entry.categories or [])
        _append_new(group.legal_bases, entry.legal_basis)
        group.under_consent |= entry.consent_id is not None
        group.under_safety_disclosure |= entry.safety_disclosure_id is not None
        group.first = at if group.first is None else min(group.first, at)
        group.last = at if group.last is None else max(group.last, at)
    return sorted(groups.values(), key=lambda g: (g.day, g.last or g.first), reverse=True)


def _categories(data: dict[str, Any]) -> dict[str, list[Item]]:
    """Every datum of the export under the data category it belongs to."""
    person = data["resident"]
    found: dict[str, list[Item]] = {c.value: [] for c in DataCategory}

    def add(category: DataCategory, name: str, value: Any, when: datetime | None = None) -> None:
        if value not in (None, "", [], {}):
            found[category.value].append(Item(name, value, when))

    add(DataCategory.IDENTITY, "display_name", person["display_name"])
    add(DataCategory.IDENTITY, "birth_year", person["birth_year"])
    add(DataCategory.IDENTITY, "languages", person["languages"])
    add(DataCategory.CONTACT, "phone", person["phone"])
    address = person["address"]
    add(DataCategory.CONTACT, "address", " ".join(
        str(part) for part in (address["street"], address["number"], address["addition"])
        if part) + (f", {address['postcode']}" if address["postcode"] else ""))
    add(DataCategory.CONTACT, "building_name", address["building"])
    for visit in data["visits"]:
        when = moment(visit["visited_at"])
        add(DataCategory.LIVING_SITUATION, "visit_themes", visit["themes"], when)
        add(DataCategory.LIVING_SITUATION, "offers", visit["offers"], when)
        add(DataCategory.LIVING_SITUATION, "wishes", visit["wishes"], when)
        if visit["willingness"] is not None:
            add(DataCategory.LIVING_SITUATION, "willingness", str(visit["willingness"]), when)
        add(DataCategory.NOTES, "visit_notes", visit["notes"], when)
    for case in data["cases"]:
        when = moment(case["opened_at"])
        add(DataCategory.HOUSEHOLD, "household_size", case["household_size"], when)
        for name, category in CASE_NOTES.items():
            add(category, name, case["notes"].get(name), when)
        question = case["help_question"]
        if question:
            add(DataCategory.HELP_QUESTION, "text", question["text"], when)
            add(DataCategory.HELP_QUESTION, "themes", question["themes"], when)
            add(DataCategory.HELP_QUESTION, "urgency", question["urgency"], when)
        for checkin in case.get("checkins", []):
            add(DataCategory.NOTES, "checkin_note", checkin["note"],
                moment(checkin["recorded_at"]) or when)
        for handover in case["handovers"]:
            add(DataCategory.NOTES, "handover_note", handover["note"],
                moment(handover["offered_at"]) or when)
    return found


def access_report(officer: Any, resident: Resident) -> dict[str, Any]:
    """Everything the resident's access page shows. Logged like the JSON export: one entry in
    the processing log (purpose data_subject_request), which the access log then shows too."""
    data = export(officer, resident)
    db.session.flush()
    entries = list(db.session.execute(
        select(ProcessingLogEntry)
        .where(ProcessingLogEntry.data_subject_id == str(resident.id))
        .order_by(ProcessingLogEntry.seq)).scalars())
    wanted = {e.actor_organization_id for e in entries} | {e.recipient_organization_id
                                                           for e in entries}
    wanted.discard(None)
    organizations = dict(db.session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(wanted))
    ).all()) if wanted else {}
    handovers = [dict(h, case_opened_at=moment(case["opened_at"]),
                      offered=moment(h["offered_at"]), completed=moment(h["completed_at"]))
                 for case in data["cases"] for h in case["handovers"]]
    return {
        "export": data,
        "generated_at": moment(data["generated_at"]),
        "resident": data["resident"],
        "registered_at": moment(data["resident"]["registered_at"]),
        "anonymised_at": moment(data["resident"]["anonymised_at"]),
        "categories": _categories(data),
        "category_order": in_order(c.value for c in DataCategory),
        "visits": [dict(v, at=moment(v["visited_at"])) for v in data["visits"]],
        "cases": [dict(c, opened=moment(c["opened_at"]), closed=moment(c["closed_at"]),
                       checkins=[dict(k, due=moment(k["due_at"]),
                                      recorded=moment(k["recorded_at"]))
                                 for k in c.get("checkins", [])])
                  for c in data["cases"]],
        "handovers": handovers,
        "consents": [dict(c, until=moment(c["valid_until"]),
                          history=[dict(h, at=moment(h["at"])) for h in c["history"]])
                     for c in data["consents"]],
        "matches": [dict(m, proposed=moment(m["proposed_at"]), agreed=moment(m["agreed_at"]),
                         met=moment(m["met_at"]), ended=moment(m["ended_at"]))
                    for m in data["matches"]],
        "activities": [dict(a, starts=moment(a["starts_at"]),
                            cancelled=moment(a["cancelled_at"]))
                       for a in data["activities_organised"]],
        "access_log": access_log(entries, organizations),
        "sections": EXPORT_SECTIONS,
        "explained": CATEGORY_EXPLAINED,
    }
