"""HSDS 3.0 records as Buurtpad reads and writes them: the tabular JSON form, one array per
HSDS table (`organization`, `organization_identifier`, `service`, `location`, `address`,
`service_at_location`), each record flat and naming its parent by id.

Reading also takes the plural names (`organizations`, …, and the `…csv` names of a
datapackage turned into JSON) and records nested the way the HSDS API nests them (an
organization's `organization_identifiers`, `services` and `locations`, a service's
`service_at_locations`, a location's `addresses`, a service_at_location's `location`): they are
flattened first, each naming its parent. Fields Buurtpad does not keep (phones, schedules,
taxonomies, …) are left out; tables it does not keep are counted in the report as ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError, fields, validate

from app.input_rules import unstorable
from app.validation import InputSchema, Text

# The HSDS tables Buurtpad keeps, in the order they are imported (parents first).
TABLES = ("organization", "organization_identifier", "service", "location", "address",
          "service_at_location")
_ALIASES = {
    "organization": ("organizations",),
    "organization_identifier": ("organization_identifiers",),
    "service": ("services",),
    "location": ("locations",),
    "address": ("addresses",),
    "service_at_location": ("service_at_locations",),
}
TABLE_OF = {alias: table for table, aliases in _ALIASES.items()
            for alias in (table, *aliases, *(f"{name}.csv" for name in (table, *aliases)))}
# Records nested in a parent: (parent table, key, child table, the child's field naming the parent)
NESTED = (
    ("organization", "organization_identifiers", "organization_identifier", "organization_id"),
    ("organization", "services", "service", "organization_id"),
    ("organization", "locations", "location", "organization_id"),
    ("service", "service_at_locations", "service_at_location", "service_id"),
    ("location", "addresses", "address", "location_id"),
)
SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")


class NotAnHsdsDocument(ValueError):
    """The input is not a JSON object of HSDS tables."""


# --- the records Buurtpad keeps, field by field ----------------------------------------------

def _url() -> fields.Url:
    return fields.Url(allow_none=True, schemes={"http", "https"},
                      validate=validate.Length(max=500))


class _Record(InputSchema):
    class Meta:
        unknown = EXCLUDE  # HSDS fields Buurtpad does not keep

    id = fields.UUID(required=True)


class OrganizationRecord(_Record):
    name = Text(required=True, min_length=1, max_length=200)
    description = Text(required=True, max_length=10_000)
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))
    website = _url()


class OrganizationIdentifierRecord(_Record):
    organization_id = fields.UUID(required=True)
    identifier_scheme = Text(allow_none=True, max_length=60)
    identifier_type = Text(required=True, min_length=1, max_length=100)
    identifier = Text(required=True, min_length=1, max_length=100)


class ServiceRecord(_Record):
    # Optional in HSDS; Buurtpad offers handovers to an organisation, so a service needs one.
    organization_id = fields.UUID(required=True)
    name = Text(required=True, min_length=1, max_length=200)
    description = Text(allow_none=True, max_length=10_000)
    url = _url()
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))
    status = fields.String(required=True, validate=validate.OneOf(SERVICE_STATUSES))


class LocationRecord(_Record):
    location_type = fields.String(required=True, validate=validate.OneOf(LOCATION_TYPES))
    organization_id = fields.UUID(allow_none=True)
    name = Text(allow_none=True, max_length=200)
    description = Text(allow_none=True, max_length=10_000)
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class AddressRecord(_Record):
    location_id = fields.UUID(required=True)
    attention = Text(allow_none=True, max_length=200)
    address_1 = Text(required=True, min_length=1, max_length=200)
    address_2 = Text(allow_none=True, max_length=200)
    city = Text(required=True, min_length=1, max_length=100)
    region = Text(allow_none=True, max_length=100)
    state_province = Text(required=True, min_length=1, max_length=100)
    postal_code = Text(required=True, min_length=1, max_length=20)
    country = Text(required=True, min_length=2, max_length=2)
    address_type = fields.String(required=True, validate=validate.OneOf(LOCATION_TYPES))


class ServiceAtLocationRecord(_Record):
    service_id = fields.UUID(required=True)
    location_id = fields.UUID(required=True)
    description = Text(allow_none=True, max_length=10_000)


SCHEMAS: dict[str, InputSchema] = {
    "organization": OrganizationRecord(),
    "organization_identifier": OrganizationIdentifierRecord(),
    "service": ServiceRecord(),
    "location": LocationRecord(),
    "address": AddressRecord(),
    "service_at_location": ServiceAtLocationRecord(),
}
# The fields each table writes out, in HSDS order (None values are left out).
EXPORT_FIELDS = {table: tuple(schema.fields) for table, schema in SCHEMAS.items()}


# --- reading ---------------------------------------------------------------------------------

@dataclass
class RawRecord:
    table: str
    index: int  # its place among the table's records, nested ones after the flat ones
    data: Any

    @property
    def given_id(self) -> str | None:
        value = self.data.get("id") if isinstance(self.data, Mapping) else None
        return value if isinstance(value, str) and len(value) <= 100 else None


@dataclass
class Document:
    records: dict[str, list[RawRecord]] = field(default_factory=lambda: {t: [] for t in TABLES})
    ignored: dict[str, int] = field(default_factory=dict)


def read_document(document: Any) -> Document:
    """The document's records per table, nested ones flattened; raises NotAnHsdsDocument."""
    if not isinstance(document, Mapping):
        raise NotAnHsdsDocument(_("An HSDS document is a JSON object with one array per "
                                  "table."))
    result = Document()
    for key, value in document.items():
        table = TABLE_OF.get(str(key))
        if table is None:
            if isinstance(value, list):
                result.ignored[str(key)] = len(value)
            continue
        if not isinstance(value, list):
            raise NotAnHsdsDocument(_("%(table)s must be an array of records.", table=key))
        for item in value:
            _add(result, table, item)
    return result


def _add(document: Document, table: str, item: Any) -> None:
    if (table == "service_at_location" and isinstance(item, Mapping)
            and isinstance(item.get("location"), Mapping) and item.get("location_id") is None):
        item = {**item, "location_id": item["location"].get("id")}
    records = document.records[table]
    records.append(RawRecord(table, len(records), item))
    if not isinstance(item, Mapping):
        return
    for parent, key, child, parent_field in NESTED:
        if parent != table or not isinstance(item.get(key), list):
            continue
        for nested in item[key]:
            if isinstance(nested, Mapping) and nested.get(parent_field) is None:
                nested = {**nested, parent_field: item.get("id")}
            _add(document, child, nested)
    if table == "service_at_location" and isinstance(item.get("location"), Mapping):
        _add(document, "location", item["location"])


def load_record(record: RawRecord) -> tuple[dict[str, Any] | None, str | None]:
    """(the fields Buurtpad keeps, None) for a valid record; (None, why) otherwise."""
    if not isinstance(record.data, Mapping):
        return None, _("not a JSON object")
    if reason := unstorable(record.data):
        return None, reason
    try:
        return SCHEMAS[record.table].load(record.data), None
    except ValidationError as error:
        return None, describe_errors(error.messages)


def describe_errors(messages: Any) -> str:
    if isinstance(messages, Mapping):
        return "; ".join(f"{name}: {_flat(text)}" for name, text in messages.items())
    return _flat(messages)


def _flat(text: Any) -> str:
    if isinstance(text, Mapping):
        return describe_errors(text)
    if isinstance(text, list | tuple):
        return " ".join(_flat(item) for item in text)
    return str(text)


# --- writing ---------------------------------------------------------------------------------

def record_out(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A record as HSDS writes it: ids as text, the fields Buurtpad keeps that hold a value."""
    return {name: str(values[name]) if name.endswith("id") else values[name]
            for name in EXPORT_FIELDS[table] if values.get(name) is not None}
