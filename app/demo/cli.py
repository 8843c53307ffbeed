from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import downgrade, upgrade

from app.db import db
from app.demo.operations import DEMO_STEPS, DatabaseNotEmpty, database_is_empty, fill_demo


@click.command("demo")
@click.option("--password", required=True, help="Password for every demo user.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (deterministic).")
@click.option("--reset", is_flag=True,
              help="Drop every table and rebuild the schema first (destroys all data).")
@with_appcontext
def demo_command(password: str, seed: int, reset: bool) -> None:
    """Fill an empty database with the demo neighbourhood (Overvecht)."""
    if len(password) < 8:
        click.echo("The demo password must be at least 8 characters.", err=True)
        sys.exit(2)
    if reset:
        db.session.remove()
        downgrade(directory=current_app.extensions["migrate"].directory, revision="base")
        upgrade(directory=current_app.extensions["migrate"].directory)
    if not database_is_empty():
        click.echo("The database is not empty; nothing was changed. "
                   "Use --reset to rebuild it with demo data (this destroys all data).", err=True)
        sys.exit(1)
    try:
        with click.progressbar(length=DEMO_STEPS, label="Demo neighbourhood") as bar:
            counts = fill_demo(password, seed=seed, progress=bar.update)
    except DatabaseNotEmpty:
        db.session.rollback()
        click.echo("The database is not empty; nothing was changed. "
                   "Use --reset to rebuild it with demo data (this destroys all data).", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(", ".join(f"{value} {key}" for key, value in counts.items()))
