"""`flask --app app convenant create FILE.json`: record a new convenant (version) with its
parties, as the privacy officer received it signed. The JSON names the text's file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.convenants.operations import create_convenant, join
from app.db import db
from app.errors import Refused
from app.organizations.models import Organization

convenant_cli = AppGroup("convenant", help="The samenwerkingsconvenant register.")


@convenant_cli.command("create")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Record a convenant from JSON: {title, version, text_file, valid_from, valid_until?,
    activities: {purpose: [categories]}, parties: [{organization, role, contact, joined_on}]}."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    text = (path.parent / spec["text_file"]).read_text(encoding="utf-8")
    try:
        convenant = create_convenant(
            None, title=spec["title"], version=spec["version"], text=text,
            valid_from=date.fromisoformat(spec["valid_from"]),
            valid_until=(date.fromisoformat(spec["valid_until"])
                         if spec.get("valid_until") else None),
            activities=spec["activities"])
        for party in spec.get("parties", []):
            organization = db.session.execute(select(Organization).where(
                Organization.name == party["organization"])).scalar_one_or_none()
            if organization is None:
                raise Refused(message=f"unknown organisation {party['organization']!r}",
                              field="parties")
            join(None, convenant, organization_id=organization.id,
                 joined_on=date.fromisoformat(party["joined_on"]), role=party.get("role", ""),
                 contact=party.get("contact", ""))
    except (Refused, KeyError, ValueError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"recorded {convenant.title} version {convenant.version} "
               f"with {len(convenant.parties)} parties (text sha256 {convenant.text_sha256})")
