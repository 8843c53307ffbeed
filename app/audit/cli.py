from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.audit import chain
from app.audit.logs import CHAINED_LOGS

audit_cli = AppGroup("audit", help="Audit and processing logs.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute every log's hash chain; exit 1 naming the first broken entry."""
    intact = True
    for model in CHAINED_LOGS:
        result = chain.verify(model)
        if result.valid:
            click.echo(f"{result.log}: intact, {result.entries} entries")
        else:
            intact = False
            click.echo(
                f"{result.log}: BROKEN at entry {result.first_invalid} ({result.reason}); "
                f"{result.entries} entries verified before it"
            )
    sys.exit(0 if intact else 1)
