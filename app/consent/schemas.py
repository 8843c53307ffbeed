from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from app.db import utcnow
from app.lifecycle.firing import triggers_for
from app.validation import InputSchema, PlausibleDateTime, choice, row_id
from policies import REGISTER, DataCategory, LegalBasis

CONSENT_PURPOSES = sorted(a.id for a in REGISTER.values() if a.legal_basis is LegalBasis.CONSENT)
MAX_VALIDITY = timedelta(days=731)  # 24 months
# The one purpose for which another resident may be the recipient.
RESIDENT_RECIPIENT_PURPOSE = "resident_connection"


class ConsentCreateSchema(InputSchema):
    """One recipient: an organisation (`recipient_organization_id`) or, to put two residents
    in touch, another resident (`recipient_resident_id`, purpose `resident_connection`)."""

    purpose = fields.String(required=True, validate=choice(CONSENT_PURPOSES))
    recipient_organization_id = fields.Integer(strict=True, validate=row_id())
    recipient_resident_id = fields.UUID()
    data_categories = fields.List(
        fields.String(validate=choice([c.value for c in DataCategory])),
        required=True,
        validate=validate.Length(min=1, max=len(DataCategory)),
    )
    valid_until = PlausibleDateTime(allow_none=True)

    @validates("data_categories")
    def _unique(self, value: list[str], **_kwargs: object) -> None:
        if len(set(value)) != len(value):
            raise ValidationError(_("Name each category once."))

    @validates("valid_until")
    def _within_24_months(self, value: object, **_kwargs: object) -> None:
        if value is None:
            return
        now = utcnow()
        if value <= now:  # type: ignore[operator]
            raise ValidationError(_("valid_until must lie in the future."))
        if value > now + MAX_VALIDITY:  # type: ignore[operator]
            raise ValidationError(_("Consent can be given for at most 24 months."))

    @validates_schema
    def _one_recipient(self, data: dict[str, object], **_kwargs: object) -> None:
        to_organization = data.get("recipient_organization_id") is not None
        to_resident = data.get("recipient_resident_id") is not None
        if to_organization and to_resident:
            raise ValidationError(
                _("Name one recipient: an organisation or a resident, not both."),
                field_name="recipient_resident_id")
        if not to_organization and not to_resident:
            raise ValidationError(
                _("Name the recipient: an organisation or a resident."),
                field_name="recipient_organization_id")
        if to_resident and data.get("purpose") != RESIDENT_RECIPIENT_PURPOSE:
            raise ValidationError(
                _("Another resident can only receive data for the purpose "
                  "%(purpose)s.", purpose=RESIDENT_RECIPIENT_PURPOSE),
                field_name="purpose")

    @validates_schema
    def _categories_fit_purpose(self, data: dict[str, object], **_kwargs: object) -> None:
        activity = REGISTER.get(str(data.get("purpose")))
        categories = data.get("data_categories") or []
        if activity is None:
            return
        outside = sorted(set(categories) - set(activity.categories))  # type: ignore[arg-type]
        if outside:
            raise ValidationError(
                _("Purpose %(purpose)s does not process: %(categories)s.",
                  purpose=activity.id, categories=", ".join(outside)),
                field_name="data_categories",
            )


class ConsentEventSchema(Schema):
    at = fields.DateTime()
    trigger = fields.String()
    from_state = fields.String()
    to_state = fields.String()
    actor_role = fields.String(allow_none=True)
    details = fields.Dict()


class ConsentSchema(Schema):
    id = fields.UUID()
    resident_id = fields.UUID()
    state = fields.String()
    version = fields.Integer()
    allowed_triggers = fields.Function(lambda c: triggers_for(c, current_user))
    valid = fields.Function(lambda c: c.is_valid_at(utcnow()))
    purpose = fields.String()
    recipient_organization_id = fields.Integer(allow_none=True)
    recipient_organization = fields.Function(
        lambda c: c.recipient_organization.name if c.recipient_organization else None,
        allow_none=True)
    recipient_resident_id = fields.UUID(allow_none=True)
    data_categories = fields.List(fields.String())
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    method = fields.String(allow_none=True)
    notice_version = fields.String(allow_none=True)
    recorded_by_id = fields.Integer()
    created_at = fields.DateTime()
    given_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)
    events = fields.Function(lambda c: ConsentEventSchema(many=True).dump(consent_events(c)))


def consent_events(consent: object) -> list[dict[str, object]]:
    from app.consent.queries import consent_history

    return consent_history(consent)
