from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit import chain, checkpoints, ldv
from app.audit.logs import CHAINED_LOGS
from app.audit.operations import record_event
from app.db import db

audit_cli = AppGroup("audit", help="Audit and processing logs.")


@audit_cli.command("verify")
@click.option("--checkpoints", "checkpoint_path", type=click.Path(dir_okay=True),
              help="Also prove that the logs extend every signed checkpoint in this file or "
                   "directory (default: BUURTPAD_CHECKPOINTS, when set).")
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False),
              help="The checkpoints' public key (default: BUURTPAD_CHECKPOINT_PUBLIC_KEY, or the "
                   "public half of BUURTPAD_CHECKPOINT_KEY).")
def verify_command(checkpoint_path: str | None, public_key: str | None) -> None:
    """Recompute every log's hash chain; exit 1 naming the first broken entry, or the first
    checkpoint the log no longer extends."""
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
    checkpoint_path = checkpoint_path or current_app.config.get("CHECKPOINTS")
    if checkpoint_path:
        try:
            path = checkpoints.checkpoint_file(checkpoint_path)
            report = checkpoints.check(path, checkpoints.verifying_key(current_app.config,
                                                                       public_key))
        except checkpoints.CheckpointError as error:
            click.echo(f"checkpoints: cannot check: {error}")
            sys.exit(1)
        for problem in report.problems or []:
            click.echo(f"checkpoints: FAILED {problem}")
        if report.valid:
            click.echo(f"checkpoints: the logs extend all {report.read} checkpoints in {path}")
        intact = intact and report.valid
    sys.exit(0 if intact else 1)


@audit_cli.command("checkpoint")
def checkpoint_command() -> None:
    """Sign every log's length and head hash with BUURTPAD_CHECKPOINT_KEY and append the
    checkpoints to BUURTPAD_CHECKPOINTS (outside the database). Run daily from cron."""
    config = current_app.config
    try:
        key = checkpoints.load_private_key(config.get("CHECKPOINT_KEY"))
        path = checkpoints.checkpoint_file(config.get("CHECKPOINTS"))
        taken = checkpoints.take(key, path)
    except checkpoints.CheckpointError as error:
        click.echo(f"No checkpoint: {error}", err=True)
        sys.exit(1)
    for checkpoint in taken:
        click.echo(f"{checkpoint.chain}: {checkpoint.entries} entries, head {checkpoint.head} "
                   f"at {checkpoint.time}")
    click.echo(f"Appended to {path}")


@audit_cli.command("keygen")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen_command(path: Path) -> None:
    """Make an Ed25519 signing key for checkpoints at PATH (mode 0600) and its public key at
    PATH.pub. Keep the key outside the database and its backups; give PATH.pub to whoever
    verifies."""
    try:
        public = checkpoints.generate_key(path)
    except checkpoints.CheckpointError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Signing key: {path}\nPublic key: {public}")


@audit_cli.command("ldv-export")
@click.option("--from", "period_from", type=click.DateTime(), default=None,
              help="Entries at or after this moment, UTC (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS).")
@click.option("--to", "period_to", type=click.DateTime(), default=None,
              help="Entries before this moment, UTC.")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-",
              help="File to write (default: standard output).")
def ldv_export_command(period_from: datetime | None, period_to: datetime | None,
                       output: Any) -> None:
    """Export the processing log as Logboek Dataverwerkingen records (OTLP JSON, one span per
    entry), streamed. Processing activities are URIs under PUBLIC_URL."""
    config = current_app.config
    utc = [moment.replace(tzinfo=UTC) if moment is not None else None
           for moment in (period_from, period_to)]
    record_event("log_exported", details={
        "log": "processing_log", "format": "ldv", "channel": "cli",
        "filters": {name: moment.isoformat() for name, moment in zip(
            ("from", "to"), utc, strict=True) if moment is not None}})
    db.session.commit()
    for chunk in ldv.export(utc[0], utc[1], base_url=config.get("PUBLIC_URL")
                            or "http://127.0.0.1:5000", key=ldv.subject_key(config),
                            bind=db.session.get_bind()):
        output.write(chunk)
