from __future__ import annotations

import click
from flask.cli import AppGroup

from app.timers.operations import tick

workflows_cli = AppGroup("workflows", help="Workflow timers.")


@workflows_cli.command("tick")
def tick_command() -> None:
    """Fire due timers (escalations, intro reminders, consent expiry); idempotent."""
    report = tick()
    for line in report.lines():
        click.echo(line)
