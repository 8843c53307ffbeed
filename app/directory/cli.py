from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import or_, select

from app.db import db
from app.directory import hsds
from app.directory.operations import (
    export_document,
    identifiers_of,
    identifiers_taken_elsewhere,
    import_document,
    set_identifiers,
)
from app.input_rules import JSONTooDeep, loads
from app.organizations.models import Organization

directory_cli = AppGroup("directory", help="The sociale kaart: partner services in HSDS 3.0.")


@directory_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check and report only; store nothing.")
@click.option("--strict", is_flag=True, help="Store nothing when any record is skipped.")
def import_command(file: Any, dry_run: bool, strict: bool) -> None:
    """Import an HSDS 3.0 JSON document (tabular: one array per table; nested records are
    read too). Prints one line per record: imported, updated, or skipped and why. One
    transaction; exit 1 when nothing was stored because of --strict, or the file is not an
    HSDS document."""
    try:
        document = loads(file.read().decode("utf-8"))
    except (UnicodeDecodeError, JSONTooDeep, json.JSONDecodeError) as error:
        click.echo(f"Not JSON: {error}", err=True)
        sys.exit(1)
    try:
        report = import_document(None, document)
    except hsds.NotAnHsdsDocument as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        sys.exit(1)
    for outcome in report.outcomes:
        line = f"{outcome.record} {outcome.id or f'#{outcome.index}'}: {outcome.status}"
        if outcome.organization_id is not None:
            line += f" (organisation {outcome.organization_id})"
        if outcome.reason:
            line += f" — {outcome.reason}"
        click.echo(line)
    for table, count in sorted(report.ignored.items()):
        click.echo(f"{table}: {count} records ignored (not kept by Buurtpad)")
    refused = strict and report.skipped
    if dry_run or refused:
        db.session.rollback()
    else:
        db.session.commit()
        report.committed = True
    click.echo(f"{report.count('imported')} imported, {report.count('updated')} updated, "
               f"{report.skipped} skipped; "
               + ("stored." if report.committed else "nothing stored."))
    sys.exit(1 if refused else 0)


@directory_cli.command("export")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def export_command(output: Any) -> None:
    """Write the directory as an HSDS 3.0 JSON document (tabular)."""
    json.dump(export_document(), output, ensure_ascii=False, indent=2)
    output.write("\n")


@directory_cli.command("identify")
@click.argument("organisation")
@click.argument("scheme")
@click.argument("identifier")
def identify_command(organisation: str, scheme: str, identifier: str) -> None:
    """Record that a Buurtpad ORGANISATION (name or id) has IDENTIFIER in SCHEME (e.g.
    NL-KVK 30123456), and link the partner organisations in the directory that carry it."""
    found = db.session.execute(select(Organization).where(or_(
        Organization.name == organisation,
        Organization.id == (int(organisation) if organisation.isdigit() else -1)))
    ).scalar_one_or_none()
    if found is None:
        click.echo(f"No organisation {organisation!r}.", err=True)
        sys.exit(1)
    if identifiers_taken_elsewhere({(scheme, identifier)}, found.id):
        click.echo(f"{scheme} {identifier} belongs to another organisation.", err=True)
        sys.exit(1)
    current = [{"scheme": row.scheme, "identifier": row.identifier}
               for row in identifiers_of(found.id)]
    set_identifiers(None, found, [*current, {"scheme": scheme, "identifier": identifier}])
    db.session.commit()
    click.echo(f"{found.name}: {scheme} {identifier}")
