from __future__ import annotations

from marshmallow import Schema, fields

from app.insight.tables import COUNT, DAYS, PUBLIC, RATE
from app.validation import InputSchema, row_id
from policies.small_cells import Suppression

SUPPRESSION_VALUES = [None, *(str(s) for s in Suppression)]


class InsightQuerySchema(InputSchema):
    building_id = fields.Integer(validate=row_id(), metadata={
        "description": "Only this building (one of the viewer's); all of them when left out."})


class CellSchema(Schema):
    value = fields.Raw(allow_none=True, metadata={
        "type": "number", "nullable": True,
        "description": "The number; null when it is hidden (see `suppressed`) or undefined "
                       "(a rate over zero)."})
    display = fields.String(metadata={
        "description": "The number as shown: a count, a percentage, days with one decimal, "
                       "or the mark of why it is hidden (`<5`, `•`, `n<5`)."})
    suppressed = fields.String(allow_none=True, metadata={
        "enum": SUPPRESSION_VALUES,
        "description": "Why the number is hidden: `small` (it counts 1 to 4 people), "
                       "`complementary` (it would let a small count be worked out), "
                       "`too_few` (a rate or statistic over fewer than 5 people); null when "
                       "shown."})


class ColumnSchema(Schema):
    id = fields.String()
    label = fields.String()
    kind = fields.String(metadata={
        "enum": [COUNT, PUBLIC, RATE, DAYS],
        "description": "`count`: people, households, cases or handovers (small ones hidden); "
                       "`public`: what anyone can observe, never hidden (front doors, "
                       "activities held); `rate`: a share (0..1); `days`: a median or "
                       "percentile in days."})


class RowSchema(Schema):
    id = fields.String()
    label = fields.String()
    level = fields.Integer(metadata={"description": "0 for a total, 1 for its parts, 2 below."})
    parent = fields.String(allow_none=True, metadata={"description": "The row this one is part of."})
    group = fields.String(allow_none=True, metadata={
        "description": "For panels grouping one total two ways (by theme, by month)."})
    chart = fields.Boolean(metadata={"description": "Whether the row is drawn in the chart."})
    cells = fields.Dict(keys=fields.String(), values=fields.Nested(CellSchema), metadata={
        "description": "By column id. The cell id used in `relations` is `<row id>:<column id>`."})


class RelationSchema(Schema):
    total = fields.String(metadata={"description": "A cell id: `<row id>:<column id>`."})
    parts = fields.List(fields.String(), metadata={
        "description": "Cell ids whose true values add up to the total's true value."})


class ChartSchema(Schema):
    columns = fields.List(fields.String(), metadata={"description": "The columns drawn as bars."})


class PanelSchema(Schema):
    id = fields.String()
    title = fields.String()
    question = fields.String(metadata={"description": "The question the panel answers."})
    unit = fields.String()
    note = fields.String()
    empty = fields.Boolean(metadata={"description": "True when there is nothing counted yet."})
    scope_wide = fields.Boolean(metadata={
        "description": "True when the panel counts over all the viewer's buildings whichever "
                       "building is chosen (the organisations' answers to handovers)."})
    columns = fields.List(fields.Nested(ColumnSchema))
    chart = fields.Nested(ChartSchema)
    rows = fields.List(fields.Nested(RowSchema))
    relations = fields.List(fields.Nested(RelationSchema), metadata={
        "description": "Every sum relation between the panel's cells: suppression makes sure "
                       "no hidden value follows from them and the shown numbers."})


class InsightSchema(Schema):
    generated_at = fields.DateTime()
    building_ids = fields.List(fields.Integer(), metadata={
        "description": "The buildings the panels cover."})
    threshold = fields.Integer(metadata={
        "description": "Counts from 1 up to (not including) this number are hidden."})
    marks = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "The mark shown for each reason of hiding."})
    panels = fields.List(fields.Nested(PanelSchema))
