from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.cases.models import HELP_THEMES
from app.insight.schemas import CellSchema, PanelSchema
from app.validation import ID_MAX, Code, InputSchema, PlausibleDate, Text, choice, row_id

MAX_BUDGET = ID_MAX  # whole euros, in an integer column


def _name(**kwargs: Any) -> Text:
    return Text(max_length=200, validate=[validate.Length(
        min=2, error=_l("Give a name of at least 2 characters."))], **kwargs)


class DeploymentInputSchema(InputSchema):
    coach_id = fields.Integer(required=True, strict=True, validate=row_id())
    building_id = fields.Integer(required=True, strict=True, validate=row_id())
    starts_on = PlausibleDate(allow_none=True, metadata={
        "description": "first day funded; the stream's first day when left out"})
    ends_on = PlausibleDate(allow_none=True, metadata={
        "description": "last day funded; the stream's last day when left out"})


def _budget(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(
        min=0, max=MAX_BUDGET, error=_l("Give an amount in whole euros, 0 or more.")),
        metadata={"description": "in whole euros; null when not given"}, **kwargs)


class _StreamInput(InputSchema):
    funder_organization_id = fields.Integer(strict=True, allow_none=True, validate=row_id(),
                                            metadata={"description": "the funding organisation "
                                                      "of the register"})
    funder_name = Text(max_length=200, metadata={
        "description": "a funder outside the register (a fund); instead of an organisation"})
    themes = fields.List(Code(validate=[choice(HELP_THEMES)]), metadata={
        "description": "the help themes whose support the stream funds"})
    activity_ids = fields.List(fields.Integer(strict=True, validate=row_id()), metadata={
        "description": "the Buurtkamer activities the stream pays for (replaces the set)"})
    deployments = fields.List(fields.Nested(DeploymentInputSchema), metadata={
        "description": "the coach assignments (coach and building) the stream pays for, each "
                       "for the stream's period or part of it (replaces the set)"})

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: object) -> None:
        start, end = data.get("starts_on"), data.get("ends_on")
        if start is not None and end is not None and end < start:
            raise ValidationError(_("The end lies before the start."), "ends_on")


class StreamCreateSchema(_StreamInput):
    name = _name(required=True)
    starts_on = PlausibleDate(required=True, metadata={"description": "first day funded"})
    ends_on = PlausibleDate(required=True, metadata={"description": "last day funded"})
    budget_euros = _budget()


class StreamUpdateSchema(_StreamInput):
    """What a PATCH may change; at least one of them."""

    name = _name()
    starts_on = PlausibleDate()
    ends_on = PlausibleDate()
    budget_euros = _budget()

    @validates_schema
    def _something(self, data: dict[str, Any], **_kwargs: object) -> None:
        if not data:
            raise ValidationError(_("Nothing to change: send at least one field."))


class AccountQuerySchema(InputSchema):
    period = fields.String(load_default="all", validate=validate.Regexp(
        r"^(all|[0-9]{4}(-Q[1-4])?)$", error=_l("Give all, a year (2026) or a quarter "
                                                 "(2026-Q3).")),
        metadata={"description": "`all` (the stream's whole period, the default), a calendar "
                                 "year (`2026`) or quarter (`2026-Q3`) of it"})


class DeploymentSchema(Schema):
    id = fields.Integer()
    coach_id = fields.Integer()
    coach = fields.Function(lambda d: d.coach.name)
    building_id = fields.Integer()
    building = fields.Function(lambda d: d.building.name)
    starts_on = fields.Date()
    ends_on = fields.Date()


class StreamSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    funder = fields.String(metadata={"description": "the funder's name"})
    funder_organization_id = fields.Integer(allow_none=True)
    funder_name = fields.String(metadata={"description": "an external funder's name; empty "
                                          "when the funder is an organisation"})
    starts_on = fields.Date()
    ends_on = fields.Date(metadata={"description": "the last day funded"})
    budget_euros = fields.Integer(allow_none=True)
    themes = fields.List(fields.String())
    activity_ids = fields.Function(lambda s: sorted(tag.activity_id for tag in s.activities),
                                   metadata={"type": "array", "items": {"type": "integer"}})
    deployments = fields.List(fields.Nested(DeploymentSchema))
    created_at = fields.DateTime()


class PeriodSchema(Schema):
    key = fields.String()
    label = fields.String()
    from_ = fields.Date(data_key="from", attribute="from")
    until = fields.Date(metadata={"description": "the last day of the period"})
    counted_until = fields.Date(metadata={
        "description": "the last day counted: today, when the period has not ended"})


class FigureSchema(CellSchema):
    id = fields.String(metadata={"description": "`<table id>:<column id>` of the total row"})
    label = fields.String()


class DeploymentDaysSchema(Schema):
    building_id = fields.Integer()
    building = fields.String()
    from_ = fields.Date(data_key="from", attribute="from")
    until = fields.Date()


class AccountSchema(Schema):
    generated_at = fields.DateTime()
    stream = fields.Nested(StreamSchema)
    funds = fields.List(fields.String(), metadata={
        "description": "what the stream pays for: coach_deployment, themes, activities"})
    period = fields.Nested(PeriodSchema)
    deployment = fields.List(fields.Nested(DeploymentDaysSchema), metadata={
        "description": "the funded buildings and the days of the period a coach was paid for"})
    threshold = fields.Integer(metadata={
        "description": "Counts from 1 up to (not including) this number are hidden."})
    marks = fields.Dict(keys=fields.String(), values=fields.String())
    figures = fields.List(fields.Nested(FigureSchema), metadata={
        "description": "the key figures: the totals of the tables, as shown"})
    tables = fields.List(fields.Nested(PanelSchema), metadata={
        "description": "each part of the account as a table of neighbourhood insight, small "
                       "cells suppressed"})
