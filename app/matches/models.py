from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.consent.models import Consent
from app.db import db, utcnow
from app.lifecycle.subject import WorkflowSubject
from app.residents.models import Resident
from workflows import MATCH
from workflows.match import CONTACT_CARD_STATES


class Match(WorkflowSubject, db.Model):
    """Two residents connected: one offers what the other wishes for.

    Each resident's contact details reach the other only under that resident's own consent
    (purpose `resident_connection`, recipient the other resident): both consents are linked
    here when the match is proposed."""

    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint("offering_resident_id <> seeking_resident_id", name="two_residents"),
    )
    workflow = MATCH
    object_type = "match"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    offering_resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"),
                                                            index=True)
    seeking_resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"),
                                                           index=True)
    offer: Mapped[str] = mapped_column(String(40))
    offering_consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consents.id"), index=True)
    seeking_consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consents.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    agreed_at: Mapped[datetime | None]
    met_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    offering_resident: Mapped[Resident] = relationship(foreign_keys=[offering_resident_id])
    seeking_resident: Mapped[Resident] = relationship(foreign_keys=[seeking_resident_id])
    offering_consent: Mapped[Consent] = relationship(foreign_keys=[offering_consent_id])
    seeking_consent: Mapped[Consent] = relationship(foreign_keys=[seeking_consent_id])

    @property
    def anonymised(self) -> bool:
        return (self.offering_resident.anonymised_at is not None
                or self.seeking_resident.anonymised_at is not None)

    @property
    def contact_shared(self) -> bool:
        """Agreed (or met): the stage at which each resident's contact details reach the
        other, as far as their consents allow."""
        return self.state in CONTACT_CARD_STATES
