from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db


class TimerRun(db.Model):
    """When a periodic job last ran, shared by every worker and machine: the one row a run
    claims, so that timers fired along with requests run once a minute, not once a worker."""

    __tablename__ = "timer_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_run_at: Mapped[datetime]
