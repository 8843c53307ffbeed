from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from app.timers.operations import tick

workflows_cli = AppGroup("workflows", help="Workflow timers.")


@workflows_cli.command("tick")
@click.option("--now", "at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z",
                                                          "%Y-%m-%dT%H:%M%z", "%Y-%m-%d"]),
              default=None, help="Fire the timers due at this moment (ISO 8601, e.g. "
                                 "2026-03-02T09:00:00+01:00; a date alone is midnight UTC) "
                                 "instead of now: for drills and tests.")
def tick_command(at: datetime | None) -> None:
    """Fire due timers (reminders, escalations, consent expiry); idempotent."""
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    report = tick(now=at)
    for line in report.lines():
        click.echo(line)
