from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, and_
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import db, utcnow
from app.lifecycle.subject import WorkflowSubject
from app.organizations.models import Organization
from app.residents.models import Resident
from policies.consent import ConsentState, is_valid
from workflows import CONSENT


class Consent(WorkflowSubject, db.Model):
    """Purpose-, recipient-, category- and time-bound consent. Its scope never changes."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(
            "(recipient_organization_id IS NULL) <> (recipient_resident_id IS NULL)",
            name="one_recipient"),
    )
    workflow = CONSENT
    object_type = "consent"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    resident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("residents.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    # The recipient is an organisation, or (purpose `resident_connection`) another resident.
    recipient_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    recipient_resident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("residents.id"),
                                                                    index=True)
    data_categories: Mapped[list[str]] = mapped_column(default=list)
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime] = mapped_column(index=True)
    method: Mapped[str | None] = mapped_column(String(20))
    notice_version: Mapped[str | None] = mapped_column(String(40))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    given_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(Text)
    # The coach is reminded once, 30 days before the consent ends.
    expiry_reminded_at: Mapped[datetime | None]

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    recipient_organization: Mapped[Organization | None] = relationship()
    recipient_resident: Mapped[Resident | None] = relationship(
        foreign_keys=[recipient_resident_id])

    @hybrid_method
    def is_valid_at(self, now: datetime) -> bool:
        """Given and not past its end (`policies.consent.is_valid`), here or in SQL."""
        return is_valid(self.state, self.valid_until, now)

    @is_valid_at.inplace.expression
    @classmethod
    def _is_valid_at_expression(cls, now: datetime) -> Any:
        return and_(cls._state == ConsentState.GIVEN.value, cls.valid_until > now)

    @property
    def anonymised(self) -> bool:
        # The data subject's; a consent naming an anonymised resident as recipient stays
        # its own resident's to withdraw.
        return self.resident.anonymised_at is not None
