from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.validation import InputSchema, Text, row_id


class ImportQuerySchema(InputSchema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check and report only; nothing is stored"})
    strict = fields.Boolean(load_default=False, metadata={
        "description": "Store nothing when any record is skipped"})


class HsdsDocumentSchema(InputSchema):
    """An HSDS 3.0 document in tabular JSON: one array per table. Plural names (`services`)
    and records nested as the HSDS API nests them are read as well; other tables are counted
    as ignored. Each record is checked on its own: see the report."""

    organization = fields.List(fields.Raw())
    organization_identifier = fields.List(fields.Raw())
    service = fields.List(fields.Raw())
    location = fields.List(fields.Raw())
    address = fields.List(fields.Raw())
    service_at_location = fields.List(fields.Raw())

    class Meta:
        unknown = "include"  # other spellings and tables: read or counted by the import


class RecordOutcomeSchema(Schema):
    record = fields.String(metadata={"description": "The HSDS table"})
    index = fields.Integer(metadata={"description": "Its place among that table's records"})
    id = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "imported, updated or skipped"})
    reason = fields.String(allow_none=True, metadata={"description": "Why it was skipped, or "
                                                      "a note (an organisation not linked)"})
    organization_id = fields.Integer(allow_none=True, metadata={
        "description": "Organisations: the Buurtpad organisation linked by identifier"})


class ImportReportSchema(Schema):
    committed = fields.Boolean(metadata={"description": "Whether the import was stored"})
    imported = fields.Integer()
    updated = fields.Integer()
    skipped = fields.Integer()
    ignored = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Tables Buurtpad does not keep, with their number of records"})
    records = fields.List(fields.Nested(RecordOutcomeSchema))


class HsdsOrganizationOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    email = fields.String()
    website = fields.String()


class HsdsIdentifierOut(Schema):
    id = fields.String()
    organization_id = fields.String()
    identifier_scheme = fields.String()
    identifier_type = fields.String()
    identifier = fields.String()


class HsdsServiceOut(Schema):
    id = fields.String()
    organization_id = fields.String()
    name = fields.String()
    description = fields.String()
    url = fields.String()
    email = fields.String()
    status = fields.String()


class HsdsLocationOut(Schema):
    id = fields.String()
    location_type = fields.String()
    organization_id = fields.String()
    name = fields.String()
    description = fields.String()
    latitude = fields.Float()
    longitude = fields.Float()


class HsdsAddressOut(Schema):
    id = fields.String()
    location_id = fields.String()
    attention = fields.String()
    address_1 = fields.String()
    address_2 = fields.String()
    city = fields.String()
    region = fields.String()
    state_province = fields.String()
    postal_code = fields.String()
    country = fields.String()
    address_type = fields.String()


class HsdsServiceAtLocationOut(Schema):
    id = fields.String()
    service_id = fields.String()
    location_id = fields.String()
    description = fields.String()


class HsdsExportSchema(Schema):
    """HSDS 3.0 tabular JSON: the directory, one array per table."""

    organization = fields.List(fields.Nested(HsdsOrganizationOut))
    organization_identifier = fields.List(fields.Nested(HsdsIdentifierOut))
    service = fields.List(fields.Nested(HsdsServiceOut))
    location = fields.List(fields.Nested(HsdsLocationOut))
    address = fields.List(fields.Nested(HsdsAddressOut))
    service_at_location = fields.List(fields.Nested(HsdsServiceAtLocationOut))


class ServicesQuerySchema(InputSchema):
    organization_id = fields.Integer(strict=False, validate=row_id())


class LocationSummarySchema(Schema):
    id = fields.UUID()
    name = fields.String(allow_none=True)
    location_type = fields.String()
    address = fields.String(allow_none=True, metadata={"description": "The first address, "
                                                       "on one line"})


class ServiceSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    description = fields.String(allow_none=True)
    status = fields.String()
    url = fields.String(allow_none=True)
    organization_id = fields.Integer(metadata={"description": "The Buurtpad organisation"})
    partner_organization = fields.String(metadata={"description": "Its name in the directory"})
    locations = fields.List(fields.Nested(LocationSummarySchema))


class IdentifierSchema(Schema):
    scheme = fields.String()
    identifier = fields.String()


class IdentifierInputSchema(InputSchema):
    scheme = Text(required=True, min_length=1, max_length=60, metadata={
        "description": "The HSDS identifier_scheme, e.g. NL-KVK"})
    identifier = Text(required=True, min_length=1, max_length=100)


class IdentifiersInputSchema(InputSchema):
    identifiers = fields.List(fields.Nested(IdentifierInputSchema), required=True,
                              validate=validate.Length(max=20))
