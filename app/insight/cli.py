from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from app.db import db
from app.insight.counts import reconcile

insight_cli = AppGroup("insight", help="Neighbourhood insight.")
SHOWN = 20  # differences listed; the rest are counted


@insight_cli.command("reconcile")
@click.option("--repair", is_flag=True,
              help="Set every count that differs to what the rows say (locks out changes "
                   "while it runs).")
def reconcile_command(repair: bool) -> None:
    """Work every count of neighbourhood insight out from the rows again and compare it with
    the one kept; exit 1 when any differs (and was not repaired)."""
    started = time.perf_counter()
    if repair:
        result = reconcile(repair=True)
        db.session.commit()
    else:
        snapshot = {"isolation_level": "REPEATABLE READ"} if (
            db.engine.dialect.name == "postgresql") else {}
        with db.engine.connect().execution_options(**snapshot) as connection:
            result = reconcile(connection)
            connection.rollback()
    for (building, measure, period, category, detail), (kept, right) in list(
            result.differences.items())[:SHOWN]:
        click.echo(f"building {building}, {measure} {category} {detail} "
                   f"{period or 'all time'}: kept {kept}, rows say {right}")
    if len(result.differences) > SHOWN:
        click.echo(f"… and {len(result.differences) - SHOWN} more")
    verb = "repaired" if result.repaired else "found"
    click.echo(f"insight counts: {result.counts} checked, {len(result.differences)} "
               f"differences {verb}, in {time.perf_counter() - started:.1f} s")
    sys.exit(1 if result.differences and not result.repaired else 0)
