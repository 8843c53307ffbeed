from __future__ import annotations

import click
from flask.cli import AppGroup

from app.privacy.operations import run_retention

retention_cli = AppGroup("retention", help="Retention of personal data.")


@retention_cli.command("run")
def run_command() -> None:
    """Anonymise what is past the retention of its processing activity."""
    report = run_retention()
    for line in report.lines():
        click.echo(line)
