"""The convenant register as the policy decision reads it: every convenant with its parties,
read once per request, and whether a recipient can be covered at all."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.convenants.models import Convenant
from app.db import db
from policies import ConvenantFacts, convenant_cover
from policies import ConvenantParty as PartyFacts


def convenant_facts() -> tuple[ConvenantFacts, ...]:
    """Every convenant with its parties, as the policy decision reads them: one statement,
    once per request (a list of activities asks the decision once per organiser shown)."""
    if has_request_context() and _CACHE in g:
        return g.get(_CACHE)
    convenants = db.session.execute(
        select(Convenant).options(joinedload(Convenant.parties))).unique().scalars().all()
    facts = tuple(_facts(c) for c in convenants)
    if has_request_context():
        setattr(g, _CACHE, facts)
    return facts


_CACHE = "convenant_facts"


def forget_convenant_facts() -> None:
    """The register changed in this request: the next decision reads it afresh."""
    if has_request_context():
        g.pop(_CACHE, None)


def _facts(convenant: Convenant) -> ConvenantFacts:
    return ConvenantFacts(
        id=str(convenant.id), title=convenant.title, version=convenant.version,
        valid_from=convenant.valid_from, valid_until=convenant.valid_until,
        activities={purpose: frozenset(categories)
                    for purpose, categories in convenant.activities.items()},
        parties=tuple(PartyFacts(organization_id=str(p.organization_id), joined_on=p.joined_on,
                                 left_on=p.left_on, role=p.role, contact=p.contact,
                                 legal_bases=dict(p.legal_bases))
                      for p in convenant.parties))


def recipient_refusal(organization_id: int, purpose: str, categories: Iterable[str],
                      day: date) -> str | None:
    """Why consent to share with this organisation cannot be recorded (in Dutch), or None:
    a consent to a recipient that no convenant lets receive it would never allow a share."""
    cover = convenant_cover(convenant_facts(), str(organization_id), purpose, categories, day)
    if cover.covered:
        return None
    return _("This organisation is not a party to a samenwerkingsconvenant that covers this "
             "purpose and these kinds of data. Ask the privacy officer; without a convenant "
             "nothing can be shared with it.")
